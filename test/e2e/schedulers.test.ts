/**
 * One issue per cadence and tick, whoever runs: real `paperboy schedule` processes (the built
 * executable) on one SQLite file, a per-second SCHEDULE, new papers arriving in the digest file,
 * and an in-process SMTP server that counts what each reader gets per Message-ID. Also a manual
 * `paperboy send` racing the scheduler, and a missed tick caught up once by two schedulers
 * starting together.
 */
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Child, paperboy } from '../helpers/child.js';
import { eventually, sleep } from '../helpers/eventually.js';
import { requires } from '../helpers/requires.js';
import { type TestSmtp, startSmtp } from '../helpers/smtp.js';
import { type Workspace, workspace } from '../helpers/workspace.js';

const noBuild = requires('build');

const READERS = ['ada@example.org', 'alan@example.org', 'grace@example.net', 'edsger@example.nl', 'barbara@example.com'];

let smtp: TestSmtp;
let ws: Workspace;
let children: Child[] = [];
afterEach(async () => {
  for (const c of children) c.process.kill('SIGKILL');
  await Promise.all(children.map((c) => c.exited));
  children = [];
  await smtp?.close();
  ws?.cleanup();
});

/** A Paperboy JSON digest of `batches` × 3 papers, written whole (rename), so a reader never sees half. */
function writeDigest(file: string, batches: number[]): void {
  const papers = batches.flatMap((b) =>
    [1, 2, 3].map((i) => ({ title: `Batch ${b} paper ${i}: a study of ${['graphs', 'agents', 'proofs'][i - 1]}`, abstract: `Abstract ${b}.${i}.` })),
  );
  writeFileSync(`${file}.tmp`, JSON.stringify({ version: 1, date: '2026-03-18', papers }));
  renameSync(`${file}.tmp`, file);
}

/** Messages per (recipient, Message-ID). */
function copies(): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of smtp.received) {
    const id = /^Message-ID:\s*<([^>]+)>/im.exec(m.raw.toString('latin1'))![1];
    const key = `${m.envelope.to[0]} ${id}`;
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

/** Every reader got `issues` distinct issues, one copy each. */
function expectExactlyOnce(issues: number): void {
  const c = copies();
  expect(
    [...c.values()].every((n) => n === 1),
    JSON.stringify([...c].filter(([, n]) => n > 1)),
  ).toBe(true);
  for (const r of READERS)
    expect(
      [...c.keys()].filter((k) => k.startsWith(`${r} `)),
      r,
    ).toHaveLength(issues);
  expect(smtp.received).toHaveLength(READERS.length * issues);
}

/** The issues in the store: id and its (main) papers. */
function issues(): { id: number; papers: string[] }[] {
  const rows = ws.rows<{ id: number }>(`select id from issues order by id`);
  const papers = (id: number) =>
    ws.rows<{ title: string }>(
      `select p.title from issue_papers ip join papers p on p.id = ip.paper_id where ip.issue_id = ? and ip.variant = 0 order by ip.position`,
      id,
    );
  return rows.map((r) => ({ id: r.id, papers: papers(r.id).map((p) => p.title.slice(0, 15)) }));
}

/** An SMTP server, a workspace with the readers, and the path of its digest file. */
async function setUp(env: Record<string, string>): Promise<string> {
  smtp = await startSmtp({ parse: false });
  ws = workspace({ SMTP_URL: smtp.url, SMTP_POOL: '2', ...env });
  for (const r of READERS) expect((await ws.cli(['subscribers', 'add', r])).code).toBe(0);
  return path.join(ws.dir, 'digest.json');
}

const start = (args: string[]) => {
  const c = paperboy(ws, args);
  children.push(c);
  return c;
};

async function stopAll(...cs: Child[]): Promise<void> {
  for (const c of cs) c.process.kill('SIGTERM');
  for (const c of cs) expect(await c.exited, c.stderr()).toBe(0);
}

describe.skipIf(noBuild)('the scheduler, every second', () => {
  it('ticks ingest the digest and deliver each new batch once', async () => {
    const digest = await setUp({ SCHEDULE: '* * * * * *', DIGEST_SOURCE: 'digest.json' });
    writeDigest(digest, [1]);
    const s = start(['schedule']);
    await eventually(() => smtp.received.length >= 5, { what: 'the first issue' });
    writeDigest(digest, [1, 2]);
    await eventually(() => smtp.received.length >= 10, { what: 'the second issue' });
    await sleep(1200); // more ticks: nothing new, nothing sent
    await stopAll(s);
    expectExactlyOnce(2);
    expect(issues().map((i) => i.papers)).toEqual([
      ['Batch 1 paper 1', 'Batch 1 paper 2', 'Batch 1 paper 3'],
      ['Batch 2 paper 1', 'Batch 2 paper 2', 'Batch 2 paper 3'],
    ]);
    expect(s.stdout()).toMatch(/Stopped\.\n$/);
  });

  it('two schedulers on one database: one issue per batch, each reader one copy of each', async () => {
    const digest = await setUp({ SCHEDULE: '* * * * * *', DIGEST_SOURCE: 'digest.json' });
    writeDigest(digest, [1]);
    const a = start(['schedule']);
    const b = start(['schedule']);
    for (const [n, batches] of [
      [5, [1]],
      [10, [1, 2]],
      [15, [1, 2, 3]],
    ] as const) {
      writeDigest(digest, [...batches]);
      await eventually(() => smtp.received.length >= n, { what: `issue ${n / 5}` });
    }
    await sleep(1200);
    await stopAll(a, b);
    expectExactlyOnce(3);
    expect(issues()).toHaveLength(3);
    for (const [i, issue] of issues().entries()) expect(issue.papers.every((t) => t.startsWith(`Batch ${i + 1} `))).toBe(true);
  });

  it('`paperboy send` racing the ticks: one issue per batch; a loser names the lock holder or finds no new papers', async () => {
    const digest = await setUp({ SCHEDULE: '* * * * * *', DIGEST_SOURCE: 'digest.json' });
    writeDigest(digest, [1]);
    const s = start(['schedule']);
    await eventually(() => smtp.received.length >= 5, { what: 'the first issue' });
    for (const round of [2, 3, 4]) {
      const batch = path.join(ws.dir, `batch-${round}.json`);
      writeDigest(batch, [round]);
      expect((await ws.cli(['ingest', batch])).code).toBe(0);
      const send = start(['send']);
      const code = await send.exited;
      if (code === 75) {
        // A tick takes each cadence's lock in turn (the weekly one too, to see whether it is due),
        // and a manual send checks every cadence's lock before it changes anything.
        expect(send.stderr()).toMatch(
          /^paperboy: error: the (daily|weekly) issue is being built by \S+:\d+ \(scheduler\) since .* UTC; (nothing was changed|no issue was built): /m,
        );
      } else {
        expect(code, send.stderr()).toBe(0);
        expect(send.stdout()).toMatch(new RegExp(`Sent issue #${round} \\(daily\\)|daily: no new papers since issue #${round} `));
      }
      await eventually(() => smtp.received.length >= 5 * round, { what: `issue ${round}` });
    }
    await sleep(1200);
    await stopAll(s);
    expectExactlyOnce(4);
    expect(issues()).toHaveLength(4);
  });
});

describe.skipIf(noBuild)('catching up a missed tick', () => {
  it('two schedulers starting after a missed SCHEDULE time: the news goes out once, and a later start does not catch up again', async () => {
    // Yearly, at New Year: the previous time is known, and no tick falls during the test.
    const digest = await setUp({ SCHEDULE: '0 0 1 1 *', DIGEST_SOURCE: 'digest.json' });
    writeDigest(digest, [1]);
    expect((await ws.cli(['ingest'])).code).toBe(0);
    expect((await ws.cli(['send'])).code).toBe(0);
    // Issue #1 went out long before the last SCHEDULE time, and nobody ran since.
    ws.exec(`update issues set created_at = '2000-01-01T00:00:00.000Z'`);
    writeDigest(digest, [1, 2]);

    const a = start(['schedule']);
    const b = start(['schedule']);
    await Promise.all([a.waitFor(/Press Ctrl\+C/), b.waitFor(/Press Ctrl\+C/)]);
    await eventually(() => smtp.received.length >= 10, { what: 'the caught-up issue' });
    const caughtUp = [a, b].filter((c) => /catching up the SCHEDULE tick of \d{4}-01-01 00:00:00 UTC/.test(c.stderr()));
    expect(caughtUp).toHaveLength(1);
    expect([a, b].find((c) => c !== caughtUp[0])!.stderr()).toMatch(/the missed SCHEDULE tick of \d{4}-01-01 00:00:00 UTC is caught up by \S+:\d+$/m);
    await stopAll(a, b);

    const c = start(['schedule']);
    await c.waitFor(/Press Ctrl\+C/);
    await stopAll(c);
    expect(c.stderr()).not.toMatch(/catching up/);
    expectExactlyOnce(2);
    expect(issues()).toHaveLength(2);
  });
});
