/**
 * The layers of Paperboy, top to bottom, as dependency-cruiser rules (`npm run check:layers`).
 * An import may go down or sideways, never up, and no files may import each other in a circle.
 *
 *   1. entry points     src/cli/, src/http/, src/schedule/
 *   2. composition root src/app.ts
 *   3. adapters         src/send/, src/render/, emails/, src/store/ (SQL), src/sources/, src/bounces/ (mail), src/doctor/
 *   4. core             src/pipeline/, src/issue/, src/ranking/, src/subscriptions/, the bounce policy, the Store interfaces
 *   5. ground floor     src/domain.ts, src/errors.ts, src/log.ts, src/config.ts, src/lib/
 *
 * The core depends on interfaces (the Store in src/store/store.ts and its parts, the ports in
 * src/pipeline/ports.ts) that adapters implement; those interface files belong to the core.
 */
const ENTRY = '^src/(cli|http|schedule)/';
const ROOT = '^src/app\\.ts$';
const CORE_FILES = [
  '^src/(pipeline|issue|ranking|subscriptions)/',
  '^src/store/(store|events|locks|runs|signals)\\.ts$',
  '^src/bounces/(policy|clean|types|rates)\\.ts$',
];
const ADAPTERS = '^(src/(send|render|store|sources|bounces|doctor)/|emails/)';
const GROUND = '^src/((domain|errors|log|config|controls)\\.ts$|lib/)';

/** Packages only adapters and entry points may load. */
const OUTSIDE_WORLD = '^(nodemailer|kysely|pg|better-sqlite3|hono|@hono/|node-cron|react|react-dom|@react-email/|mailparser|imapflow|smtp-server)(/|$)';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Files must not import each other in a circle (type imports included).',
      from: {},
      to: { circular: true },
    },
    {
      name: 'ground-floor-imports-nothing-above',
      severity: 'error',
      comment: 'The ground floor (nouns, errors, config, log, src/lib) imports no other layer.',
      from: { path: GROUND },
      to: { path: [ENTRY, ROOT, ADAPTERS, ...CORE_FILES] },
    },
    {
      name: 'core-imports-no-adapter',
      severity: 'error',
      comment: 'The core depends on interfaces, never on an adapter, the composition root or an entry point.',
      from: { path: CORE_FILES },
      to: { path: [ENTRY, ROOT, ADAPTERS], pathNot: CORE_FILES },
    },
    {
      name: 'core-loads-no-outside-world',
      severity: 'error',
      comment: 'The core never loads nodemailer, a SQL driver, hono, node-cron, React, mailparser or imapflow.',
      from: { path: CORE_FILES },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-peer', 'npm-optional'], path: OUTSIDE_WORLD },
    },
    {
      name: 'adapters-import-no-entry-or-root',
      severity: 'error',
      comment: 'Adapters implement the core for the composition root; they never reach up to it or to an entry point.',
      from: { path: ADAPTERS, pathNot: CORE_FILES },
      to: { path: [ENTRY, ROOT] },
    },
    {
      name: 'root-imports-no-entry',
      severity: 'error',
      comment: 'The composition root is used by the entry points, not the other way round.',
      from: { path: ROOT },
      to: { path: ENTRY },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|test|node_modules/\\.cache)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.tsx', '.js', '.json'] },
  },
};
