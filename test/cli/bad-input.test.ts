/**
 * Every kind of bad input gets one line on stderr and a non-zero exit, and leaves the store
 * as it was (the SQLite file byte for byte; on PostgreSQL every row).
 */
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestSmtp, startSmtp } from '../helpers/smtp.js';
import { FIXTURES, NEXT_DAY, SEED, type Workspace, workspace } from '../helpers/workspace.js';

const broken = (f: string) => path.join(FIXTURES, 'broken', f);

async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('bad input changes nothing', () => {
  let ws: Workspace;
  let authSmtp: TestSmtp;
  let dead: number;

  beforeAll(async () => {
    ws = workspace();
    authSmtp = await startSmtp({ auth: { user: 'paperboy', pass: 'right-password' } });
    dead = await deadPort();
    // A store with history: one issue sent to the outbox, then new papers waiting.
    expect((await ws.cli(['ingest', SEED])).code).toBe(0);
    expect((await ws.cli(['subscribers', 'add', 'ada@example.org'])).code).toBe(0);
    expect((await ws.cli(['subscribers', 'add', 'alan@example.org', '--frequency', 'weekly'])).code).toBe(0);
    expect((await ws.cli(['send'])).code).toBe(0);
    expect((await ws.cli(['ingest', NEXT_DAY])).code).toBe(0);
  });
  afterAll(async () => {
    await authSmtp.close();
    ws.cleanup();
  });

  const cases: [string, () => string[], RegExp, Record<string, string>?][] = [
    ['digest without a date line', () => ['ingest', broken('no-date.txt'), '--format', 'text'], /no-date\.txt:\d+: no date line/],
    ['digest with a missing abstract', () => ['ingest', broken('missing-abstract.txt')], /missing-abstract\.txt:23: expected a paper title/],
    ['digest with title and abstract joined', () => ['ingest', broken('title-abstract-joined.txt')], /:16: expected a blank line/],
    ['empty digest', () => ['ingest', broken('empty.txt')], /empty file/],
    ['binary digest', () => ['ingest', broken('binary.txt')], /not a text file/],
    ['digest not in UTF-8', () => ['ingest', broken('not-utf8.txt')], /not UTF-8/],
    ['digest of unknown format', () => ['ingest', broken('unknown-format.txt')], /unknown format; expected/],
    ['broken JSON', () => ['ingest', broken('invalid.json')], /invalid\.json:\d+:\d+: not valid JSON/],
    ['JSON of the wrong shape', () => ['ingest', broken('wrong-shape.json')], /papers\[2\]\.title: /],
    ['JSON without papers', () => ['ingest', broken('no-papers.json')], /papers: must hold at least one paper/],
    ['a good digest listed with a broken one', () => ['ingest', `${NEXT_DAY},${broken('invalid.json')}`], /not valid JSON/],
    ['missing digest file', () => ['ingest', broken('nope.txt')], /nope\.txt: no such file/],
    ['unknown --format', () => ['ingest', SEED, '--format', 'xml'], /invalid --format "xml"/],
    ['malformed address', () => ['subscribers', 'add', 'not-an-email'], /invalid email address "not-an-email"/],
    ['address without a dotted domain', () => ['subscribers', 'add', 'a@localhost'], /the domain needs a dot/],
    ['address with a header injection', () => ['subscribers', 'add', 'evil@example.org\r\nBcc: victim@example.org'], /line break/],
    ['unknown frequency', () => ['subscribers', 'add', 'new@example.org', '--frequency', 'monthly'], /expected daily or weekly/],
    ['bad topic', () => ['subscribers', 'add', 'new@example.org', '--topics', 'ok,not ok!'], /invalid topic "not ok!"/],
    ['removing an unknown address', () => ['subscribers', 'remove', 'nobody@example.org'], /is not on the list/],
    ['missing CSV', () => ['subscribers', 'import', broken('nope.csv')], /no such file/],
    ['unreadable CSV', () => ['subscribers', 'import', broken('subscribers-unreadable.csv')], /not a readable CSV/],
    ['CSV without an email column', () => ['subscribers', 'import', broken('subscribers-no-email-column.csv')], /"email" column/],
    ['unknown command', () => ['frobnicate'], /unknown command 'frobnicate'/],
    ['unknown option', () => ['send', '--frobnicate'], /unknown option '--frobnicate'/],
    ['missing argument', () => ['subscribers', 'add'], /missing required argument 'email'/],
    ['bad configuration value', () => ['status'], /config: PORT must be a whole number \(got "abc"\)/, { PORT: 'abc' }],
    ['dead SMTP server', () => ['send'], /cannot reach the SMTP server smtp:\/\/127\.0\.0\.1:\d+/, {}],
    ['wrong SMTP password', () => ['send'], /SMTP authentication failed/, {}],
    ['dead PostgreSQL server', () => ['status'], /cannot connect to PostgreSQL at postgres:\/\/paperboy:\*\*\*@127\.0\.0\.1:\d+\/news: /, {}],
    ['unknown database URL', () => ['status'], /config: DATABASE_URL must be file:PATH or postgres:\/\/…/, { DATABASE_URL: 'mysql://127.0.0.1/news' }],
  ];

  it.each(cases)('%s', async (name, args, message, env) => {
    const extra = { ...env };
    if (name === 'dead SMTP server') extra.SMTP_URL = `smtp://127.0.0.1:${dead}`;
    if (name === 'wrong SMTP password') extra.SMTP_URL = authSmtp.url.replace('right-password', 'wrong-password');
    if (name === 'dead PostgreSQL server') extra.DATABASE_URL = `postgres://paperboy:wrong-password@127.0.0.1:${dead}/news`;
    const before = ws.dbBytes();
    const r = await ws.cli(args(), extra);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toContain('wrong-password');
    expect(ws.dbBytes().equals(before)).toBe(true);
  });

  it('still sends the waiting papers once the SMTP server is right', async () => {
    const ok = await ws.cli(['send'], { SMTP_URL: authSmtp.url });
    expect(ok.code).toBe(0);
    // #2 or #3: the weekly issue of the set-up went out only if that ran on WEEKLY_DAY (Monday).
    expect(ok.stdout).toMatch(/Sent issue #[23] \(daily\).*1 sent/);
    expect(authSmtp.received).toHaveLength(1);
  });
});
