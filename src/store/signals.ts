/**
 * The store's share of personal ranking: readers' signals ("more like this", "less like this"),
 * the papers readers gave from their own libraries, and the kept corpus model. Part of the
 * `Store` interface the core depends on.
 */
import type { Frequency, RankingMode, SignalKind } from '../domain.js';

export { RANKING_MODES, SIGNAL_KINDS, type RankingMode, type SignalKind } from '../domain.js';

/** Where a signal came from: a link in an email, the command line, a starting library, the preferences page, an import. */
export type SignalSource = 'email' | 'cli' | 'library' | 'preferences' | 'import';
export const SIGNAL_SOURCES: readonly SignalSource[] = ['email', 'cli', 'library', 'preferences', 'import'];

/** One signal to store. */
export interface NewSignal {
  paperId: string;
  signal: SignalKind;
  source: SignalSource;
}

/** A stored signal, with the paper's title when the paper is known. */
export interface Signal extends NewSignal {
  createdAt: string;
  updatedAt: string;
  title: string | null;
  arxivId: string | null;
}

/** A paper known only from a reader's library: read by the ranking, never sent. */
export interface LibraryPaper {
  id: string;
  arxivId?: string;
  title: string;
  abstract: string;
  authors: string[];
  keywords: string[];
}

/** What the ranking needs of each reader who has taught it something. */
export interface SignalReader {
  id: number;
  topics: string[];
  ranking: RankingMode | null;
  likes: string[];
  dislikes: string[];
}

/** A paper's text as the corpus model reads it. */
export interface RankingDocument {
  id: string;
  title: string;
  abstract: string;
  authors: string[];
  keywords: string[];
}

/** The readers' signals on one paper, counted (the operator sees these, never who). */
export interface SignalCount {
  paperId: string;
  title: string;
  n: number;
}

/** Persistence for signals, library papers and the corpus model. */
export interface SignalStore {
  /** Stores each signal; the latest on a paper replaces the one before (repeating one is harmless). */
  setSignals(subscriberId: number, signals: NewSignal[], at: string): Promise<void>;
  /** Removes the reader's signals on `paperIds`, or all of them; says how many went. */
  removeSignals(subscriberId: number, paperIds?: string[]): Promise<number>;
  /** The reader's signals, newest first, with the papers' titles. */
  signalsOf(subscriberId: number): Promise<Signal[]>;
  /** The active readers of `frequency` who have signals, in id order, a page at a time. */
  iterateSignalReaders(frequency: Frequency): AsyncIterable<SignalReader>;
  /** The distinct papers the active readers of `frequency` have signals on (what a plan's kernel rows are computed for). */
  signalPaperIds(frequency: Frequency): Promise<string[]>;
  /** Adds library papers (one already known by id is left as it is). */
  putLibraryPapers(papers: LibraryPaper[], at: string): Promise<void>;
  /** Of `ids`, those that are a stored paper or a library paper. */
  knownPaperIds(ids: string[]): Promise<Set<string>>;
  /** Every paper the ranking reads (the digests' in the order they were added, then the libraries' by id). */
  rankingDocuments(): Promise<RankingDocument[]>;
  /** A key that changes whenever `rankingDocuments` would: counts and newest ids of both tables. */
  rankingDocumentsKey(): Promise<string>;
  /** The kept corpus model under `key`, if it is that one. */
  rankingModel(key: string): Promise<Uint8Array | undefined>;
  /** Keeps the corpus model under `key` (replacing any other). */
  putRankingModel(key: string, papers: number, data: Uint8Array, at: string): Promise<void>;
  /** The most liked and most disliked papers among `paperIds` (counts only), and how many readers gave any signal. */
  signalCounts(paperIds: string[], limit: number): Promise<{ liked: SignalCount[]; disliked: SignalCount[]; readers: number }>;
  /** Sets how the reader wants their issue ordered (null: the default). */
  setRankingMode(subscriberId: number, mode: RankingMode | null, at: string): Promise<void>;
}
