/**
 * Personal orders, planned with the issue: for every reader of the cadence who has given signals
 * (and has not asked for the trending order), their pool of new papers (the issue's papers that
 * match their topics, less any they already had) ordered by their own model, capped, each paper
 * with the reason that placed it. The pool becomes their variant (rendered once per paper, like
 * every variant); the order and reasons are written to their ledger row, so that a resend after
 * a crash sends the very same email.
 *
 * The work per issue: the corpus model (kept in the store while no paper changes), each
 * candidate's neighbours, the kernel row of every distinct signal paper (one pass); then per
 * reader a few thousand table look-ups and a sort.
 */
import type { Frequency, Paper } from '../domain.js';
import type { TopicMatcher } from '../issue/topics.js';
import type { SignalReader, SignalStore } from '../store/signals.js';
import { type Candidates, kernelRows, prepareCandidates } from './kernel.js';
import { loadCorpus } from './model.js';
import { type Placed, type Reason, orderPool } from './order.js';
import { type Scored, scoreCandidates } from './score.js';

/** A reader's planned order: indexes into their pool, best first, with the reason of each. */
export interface PersonalOrder {
  order: number[];
  reasons: Reason[];
}

/** What planning personal orders needs from the issue builder. */
export interface PersonalPlanInput {
  frequency: Frequency;
  /** The issue's new papers in today's order (upvotes, else the digest's order), uncapped. */
  ranked: readonly Paper[];
  cap: number;
  matcher: TopicMatcher;
  /** Papers already delivered to each reader, by reader id. */
  delivered: ReadonlyMap<number, ReadonlySet<string>>;
  now: () => Date;
}

/** One reader's pool and their order of it. */
export interface PlannedReader {
  id: number;
  pool: Paper[];
  placed: Placed[];
}

/** The ranking's view of an issue's candidates, built on first need (no reader with signals: never). */
export class IssueRanker {
  private cands: Promise<Candidates> | undefined;
  private readonly index: Map<string, number>;

  constructor(
    private readonly store: SignalStore,
    private readonly input: PersonalPlanInput,
  ) {
    this.index = new Map(input.ranked.map((p, i) => [p.id, i]));
  }

  /** The candidates, prepared once, with the kernel rows of `signalPapers` computed in one pass. */
  async prepare(signalPapers: Iterable<string>): Promise<Candidates> {
    this.cands ??= loadCorpus(this.store, this.input.now).then((corpus) =>
      prepareCandidates(
        corpus,
        this.input.ranked.map((p) => p.id),
      ),
    );
    const cands = await this.cands;
    kernelRows(cands, signalPapers);
    return cands;
  }

  /** One reader's pool and order; undefined when nothing in the issue is new to them. */
  async plan(reader: SignalReader): Promise<PlannedReader | undefined> {
    const { ranked, matcher, delivered, cap } = this.input;
    const combination = matcher.key(reader.topics);
    const had = delivered.get(reader.id);
    const pool = (combination ? matcher.papersFor(combination) : [...ranked]).filter((p) => !had?.has(p.id));
    if (pool.length === 0) return undefined;
    const taught = reader.likes.length > 0 || reader.dislikes.length > 0;
    const personal = reader.ranking === 'trending' || !taught ? undefined : await this.scores(reader, pool);
    const topicOf = combination ? (p: Paper) => matcher.firstTopic(reader.topics, p) : undefined;
    const placed = orderPool({ pool, cap, mode: reader.ranking, personal, ...(topicOf ? { topicOf } : {}) });
    return { id: reader.id, pool, placed };
  }

  /** The reader's personal scores of the pool's papers, in the pool's order (indexes into the pool). */
  private async scores(reader: SignalReader, pool: Paper[]): Promise<Scored[]> {
    const cands = await this.prepare([...reader.likes, ...reader.dislikes]);
    const all = scoreCandidates(cands, reader);
    return pool.map((p, i) => ({ ...all[this.index.get(p.id)!]!, index: i }));
  }
}

/** A planned order as it is kept in the ledger (JSON): `{"o":[indexes],"r":["l:ID","t:412","p:RL",""]}`. */
export function encodeOrder(placed: readonly Placed[]): string {
  return JSON.stringify({ o: placed.map((p) => p.index), r: placed.map((p) => encodeReason(p.reason)) });
}

/** A kept order read back; undefined for text that is not one. */
export function decodeOrder(text: string | null | undefined): PersonalOrder | undefined {
  if (!text) return undefined;
  try {
    const v = JSON.parse(text) as { o?: unknown; r?: unknown };
    if (!Array.isArray(v.o) || !Array.isArray(v.r) || v.o.length !== v.r.length) return undefined;
    if (!v.o.every((i) => Number.isInteger(i) && (i as number) >= 0)) return undefined;
    return { order: v.o as number[], reasons: (v.r as unknown[]).map((r) => decodeReason(String(r))) };
  } catch {
    return undefined;
  }
}

function encodeReason(r: Reason): string {
  switch (r.kind) {
    case 'like':
      return `l:${r.paperId}`;
    case 'dislike':
      return `d:${r.paperId}`;
    case 'trending':
      return `t:${r.upvotes}`;
    case 'topic':
      return `p:${r.topic}`;
    default:
      return '';
  }
}

function decodeReason(s: string): Reason {
  const rest = s.slice(2);
  if (s.startsWith('l:')) return { kind: 'like', paperId: rest };
  if (s.startsWith('d:')) return { kind: 'dislike', paperId: rest };
  if (s.startsWith('t:') && /^\d+$/.test(rest)) return { kind: 'trending', upvotes: Number(rest) };
  if (s.startsWith('p:')) return { kind: 'topic', topic: rest };
  return { kind: 'none' };
}
