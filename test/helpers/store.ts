/**
 * A real SQLite store in a temporary directory, for tests of the core against the adapter.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Digest, PaperInput } from '../../src/domain.js';
import { openSqlite } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';

export async function tempStore(): Promise<{ store: Store; file: string; reopen(): Promise<Store>; cleanup(): Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'paperboy-store-'));
  const file = path.join(dir, 'test.db');
  const handle = {
    store: await openSqlite(file),
    file,
    async reopen() {
      await handle.store.close();
      handle.store = await openSqlite(file);
      return handle.store;
    },
    async cleanup() {
      await handle.store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return handle;
}

/** A digest of `n` numbered papers; `extra` sets fields on each. */
export function digestOf(titles: string[], extra: (i: number) => Partial<PaperInput> = () => ({}), source = 'test'): Digest {
  return {
    source,
    warnings: [],
    papers: titles.map((title, i) => ({ title, abstract: `Abstract of ${title}.`, authors: [], links: {}, extra: {}, ...extra(i) })),
  };
}

export const titles = (n: number, prefix = 'Paper') => Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}`);
