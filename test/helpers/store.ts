/**
 * A real store for tests of the core against the adapter: a SQLite file in a temporary
 * directory, or a fresh PostgreSQL database in the PostgreSQL pass (helpers/database.ts).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Digest, PaperInput } from '../../src/domain.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { createDatabase, dropDatabase, ON_POSTGRES, snapshotPostgres } from './database.js';

export interface TempStore {
  store: Store;
  /** Its DATABASE_URL. */
  url: string;
  /** The whole store's contents, to compare before and after. */
  snapshot(): Buffer;
  reopen(): Promise<Store>;
  cleanup(): Promise<void>;
}

export async function tempStore(): Promise<TempStore> {
  const dir = mkdtempSync(path.join(tmpdir(), 'paperboy-store-'));
  const file = path.join(dir, 'test.db');
  const url = ON_POSTGRES ? createDatabase() : `file:${file}`;
  const handle: TempStore = {
    store: await openStore(url),
    url,
    snapshot: () => (ON_POSTGRES ? snapshotPostgres(url) : readFileSync(file)),
    async reopen() {
      await handle.store.close();
      handle.store = await openStore(url);
      return handle.store;
    },
    async cleanup() {
      await handle.store.close();
      rmSync(dir, { recursive: true, force: true });
      if (ON_POSTGRES) dropDatabase(url);
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
