/**
 * Planning figures: the seed digest and 100,000 active readers spread over 50 topic
 * combinations (topics that occur in the seed, some readers without topics, a few whose topics
 * match nothing). Times planning the issue, writing it (createIssue: one delivery per reader,
 * overrides in bulk), and rendering every distinct variant once with the app's composer.
 * Target: seconds, not minutes. Prints figures; never fails on a timing.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { type PlannedIssue, isNoIssue, planNextIssue, variantSubject } from '../../src/issue/builder.js';
import { TopicMatcher } from '../../src/issue/topics.js';
import { silentLog } from '../../src/log.js';
import { ingestDigests } from '../../src/pipeline/ingest.js';
import { parseDigest } from '../../src/sources/index.js';
import type { NewSubscriber } from '../../src/store/store.js';
import { parseTopics } from '../../src/subscriptions/inputs.js';
import { importSubscribers } from '../../src/subscriptions/operator.js';
import { SEED } from '../helpers/workspace.js';
import { fmt, measure, report } from './measure.js';

const READERS = 100_000;

/** 48 combinations that occur in the seed, written as readers write them, and 2 that match nothing. */
const MATCHING = [
  'sign language',
  '3D',
  'retrieval',
  'video',
  'multilingual',
  'surveys',
  'distillation',
  'instruction tuning',
  'contrastive learning',
  'text-to-image',
  'in-context learning',
  'model merging',
  'safety',
  'reasoning',
  'medical',
  'Diffusion Models',
  'RL',
  'RLHF',
  'reinforcement learning',
  'preference optimization',
  'agents',
  'LLM alignment',
  'vision-language models',
  'multimodal LLMs',
  'representation learning',
  'direct preference optimization',
  'RL, RLHF',
  'diffusion models, text-to-image',
  'video, retrieval',
  'sign language, multilingual',
  '3D, video',
  'safety, alignment',
  'reasoning, math',
  'medical, radiology',
  'distillation, model merging',
  'survey, benchmark',
  'instruction tuning, multilingual',
  'contrastive learning, retrieval',
  'LLM agents, agents',
  'in-context learning, RL',
  'preference optimization, DPO',
  'vision-language models, 3D',
  'embeddings',
  'zero-shot',
  'benchmarks, datasets',
  'captioning',
  'hallucination',
  'scaling laws, scaling',
];
const NOTHING = ['quantum chemistry', 'protein folding, weather forecasting'];

it('plan', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'paperboy-bench-plan-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const config = loadConfig({ DATABASE_URL: `file:${path.join(dir, 'plan.db')}`, SECRET_KEY: 'b'.repeat(40), PUBLIC_URL: 'https://paperboy.example.org' }, dir);
  const app = await createApp(config, silentLog);
  try {
    const now = new Date('2026-11-27T08:00:00Z');
    await ingestDigests(app.store, [parseDigest(readFileSync(SEED, 'utf8'), 'seed', 'auto', { today: '2026-11-27' })], now);
    const combos = [...MATCHING, ...NOTHING];
    const rows: NewSubscriber[] = Array.from({ length: READERS }, (_, i) => {
      const m = i % 1000;
      // 10% without topics, 1% whose topics match nothing, the rest over the 48 matching combinations.
      const topics = m < 100 ? '' : m < 110 ? NOTHING[m % 2]! : MATCHING[m % MATCHING.length]!;
      return { email: `reader${i}@example.org`, status: 'active', topics: parseTopics(topics), frequency: 'daily', source: 'bench' };
    });
    await importSubscribers(app.store, rows);

    const opts = app.buildOptions('daily', now);
    let planned: PlannedIssue | undefined;
    const plan = await measure(
      `plan the issue (${READERS.toLocaleString('en')} readers, ${combos.length} topic combinations)`,
      async () => {
        const p = await planNextIssue(app.store, opts);
        if (isNoIssue(p)) throw new Error(`no issue: ${p.reason}`);
        planned = p;
      },
      { runs: 5, warmup: 1 },
    );
    const p = planned!;

    // Each run writes a new issue from the same plan (one delivery row per reader each time).
    const write = await measure('write it (createIssue: deliveries + bulk overrides)', () => app.store.createIssue(p.plan), { runs: 3, warmup: 1 });

    const main = p.variants.get(0)!;
    const render = await measure(
      `render + build the MIME of every variant once (${p.variants.size})`,
      async () => {
        for (const [, papers] of p.variants) {
          const subject = variantSubject({ subject: p.plan.subject, frequency: 'daily' }, main, papers);
          await app.digest.compose({ subject, issueDate: p.plan.issueDate, frequency: 'daily', papers, issueId: 1 });
        }
      },
      { runs: 3, warmup: 1 },
    );

    const matcher = new TopicMatcher(main);
    const distinct = new Set(combos.map((c) => matcher.key(parseTopics(c)))).size;
    const nulls = [...p.plan.overrides.values()].filter((v) => v === null).length;
    const sizes = [...p.variants.values()].map((v) => v.length);
    const total = plan.medianMs + write.medianMs + render.medianMs;
    report(
      'Plan',
      [plan, write, render],
      [
        `${p.variants.size} variants (${distinct} distinct normalised topic lists; papers per variant ${Math.min(...sizes)}–${Math.max(...sizes)}), ` +
          `${p.recipients.toLocaleString('en')} recipients, ${p.plan.overrides.size.toLocaleString('en')} overrides (${nulls.toLocaleString('en')} with nothing to send)`,
        `plan + write + render: ${fmt(total)} (${(total / 1000).toFixed(2)} s)`,
      ],
    );
  } finally {
    await app.close();
  }
});
