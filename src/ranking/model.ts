/**
 * The corpus model, kept in the store: built from every stored paper (and every library paper)
 * when none is kept for the papers as they are now, else read back. Building takes seconds for
 * thousands of papers; reading it back, milliseconds, so `preview --for` and the planner share
 * one build per change of the papers.
 */
import type { SignalStore } from '../store/signals.js';
import { type Corpus, buildCorpus, deserializeCorpus, serializeCorpus } from './corpus.js';

/** Bumped when the model's arithmetic or layout changes, so that a kept model of another version is rebuilt. */
export const MODEL_VERSION = 1;

/** The store's corpus model as of now: the kept one when the papers have not changed, else a new one (then kept). */
export async function loadCorpus(store: SignalStore, now: () => Date): Promise<Corpus> {
  const key = `v${MODEL_VERSION}:${await store.rankingDocumentsKey()}`;
  const kept = await store.rankingModel(key);
  const read = kept ? deserializeCorpus(kept) : undefined;
  if (read) return read;
  const docs = await store.rankingDocuments();
  const corpus = buildCorpus(docs);
  await store.putRankingModel(key, docs.length, serializeCorpus(corpus), now().toISOString());
  return corpus;
}
