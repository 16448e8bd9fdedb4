/**
 * Several processes ingesting at once (two schedulers ticking together, an operator's `ingest`):
 * every one succeeds and each paper is stored once. A deferred SQLite transaction that reads and
 * then writes failed with "database is locked" when another process wrote in between (seen in the
 * soak: 4 of 18 scheduler ingests); transactions now take the write lock at BEGIN and wait.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { paperboy } from '../helpers/child.js';
import { requires } from '../helpers/requires.js';
import { SEED, type Workspace, workspace } from '../helpers/workspace.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

describe.skipIf(requires('build'))('concurrent ingest', () => {
  it('six processes ingesting the same new digest at once, three times: all succeed, each paper stored once', async () => {
    ws = workspace();
    expect((await ws.cli(['ingest', SEED])).code).toBe(0);
    for (let round = 1; round <= 3; round++) {
      const file = path.join(ws.dir, `day-${round}.json`);
      const papers = Array.from({ length: 20 }, (_, i) => ({ title: `Concurrent paper ${round}.${i}`, abstract: `Round ${round}, paper ${i}.` }));
      writeFileSync(file, JSON.stringify({ version: 1, papers }));
      const children = Array.from({ length: 6 }, () => paperboy(ws, ['ingest', file]));
      const codes = await Promise.all(children.map((c) => c.exited));
      expect(codes, children.map((c) => c.stderr()).join('')).toEqual([0, 0, 0, 0, 0, 0]);
      const added = children.map((c) => Number(/\((\d+) new/.exec(c.stdout())?.[1]));
      expect(added.sort((a, b) => b - a)).toEqual([20, 0, 0, 0, 0, 0]);
    }
    expect(ws.rows('select count(*) n from papers')).toEqual([{ n: 77 + 60 }]);
  }, 120_000); // 18 process starts: slow on a loaded 2-core machine
});
