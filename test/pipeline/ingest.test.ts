import { afterEach, describe, expect, it } from 'vitest';
import { ingestDigests } from '../../src/pipeline/ingest.js';
import { digestOf, tempStore, titles } from '../helpers/store.js';

let handle: Awaited<ReturnType<typeof tempStore>>;
afterEach(() => handle?.cleanup());
const t0 = new Date('2026-03-17T08:00:00Z');
const t1 = new Date('2026-03-18T08:00:00Z');

describe('ingest', () => {
  it('adds papers once: the same digest again writes nothing at all', async () => {
    handle = await tempStore();
    const d = digestOf(titles(50));
    expect(await ingestDigests(handle.store, [d], t0)).toMatchObject({ papers: 50, added: 50, updated: 0, unchanged: 0 });
    await handle.reopen();
    const before = handle.snapshot();
    const store = await handle.reopen();
    expect(await ingestDigests(store, [d], t1)).toMatchObject({ added: 0, updated: 0, unchanged: 50 });
    await handle.reopen();
    expect(handle.snapshot().equals(before)).toBe(true);
  });

  it('keeps first_seen_at and seq of a paper seen again, and takes its new metadata', async () => {
    handle = await tempStore();
    await ingestDigests(handle.store, [digestOf(['Attention Is All You Need'])], t0);
    const [before] = await handle.store.papersAfter(0);
    const update = digestOf(
      ['Attention is all you need!'],
      () => ({ upvotes: 99, links: { page: 'https://arxiv.org/abs/1706.03762' }, authors: ['A. Vaswani'] }),
      'hf',
    );
    expect(await ingestDigests(handle.store, [update], t1)).toMatchObject({ added: 0, updated: 1 });
    const [after] = await handle.store.papersAfter(0);
    expect(after).toMatchObject({
      id: before!.id,
      seq: before!.seq,
      firstSeenAt: t0.toISOString(),
      updatedAt: t1.toISOString(),
      title: 'Attention is all you need!',
      upvotes: 99,
      authors: ['A. Vaswani'],
      links: { page: 'https://arxiv.org/abs/1706.03762' },
    });
    // A later source without upvotes does not erase them.
    await ingestDigests(handle.store, [digestOf(['Attention Is All You Need'])], t1);
    expect((await handle.store.papersAfter(0))[0]).toMatchObject({ upvotes: 99, authors: ['A. Vaswani'] });
  });

  it('makes one paper of the same paper from two sources in one run', async () => {
    handle = await tempStore();
    const a = digestOf(['Deep Residual Learning'], () => ({ arxivId: '1512.03385' }), 'a');
    const b = digestOf(['Deep residual learning.'], () => ({ upvotes: 3 }), 'b');
    expect(await ingestDigests(handle.store, [a, b], t0)).toMatchObject({ papers: 1, added: 1 });
    const [p] = await handle.store.papersAfter(0);
    expect(p).toMatchObject({ id: 'arxiv:1512.03385', upvotes: 3, source: 'a' });
  });

  it('writes nothing when the transaction fails half-way', async () => {
    handle = await tempStore();
    await ingestDigests(handle.store, [digestOf(titles(3))], t0);
    const bad = digestOf(titles(600, 'New'));
    // Authors that cannot be stored (a BigInt does not serialise) fail the second batch of inserts.
    (bad.papers[550] as unknown as { authors: unknown }).authors = [10n];
    await expect(ingestDigests(handle.store, [bad], t1)).rejects.toThrow();
    expect(await handle.store.papersAfter(0)).toHaveLength(3);
  });
});
