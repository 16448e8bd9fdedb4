/**
 * Rows as the core sees them and back: papers, subscribers, issues, and per-status counts. Shared
 * by the concerns whose queries read the same tables.
 */
import type { Selectable } from 'kysely';
import type { Frequency, Issue, IssueStatus, Paper, Subscriber, SubscriberStatus } from '../../domain.js';
import { withinLimits } from '../../sources/limits.js';
import type { IssuesTable, PapersTable, SubscribersTable } from '../schema.js';
import type { NewPaper } from '../store.js';

/** `{status, n}` rows as a count for every key in `keys` (0 for a status no row has). */
export function countsOf<K extends string>(keys: readonly K[], rows: { status: string; n: unknown }[]): Record<K, number> {
  const out = Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
  for (const r of rows) if ((keys as readonly string[]).includes(r.status)) out[r.status as K] = Number(r.n);
  return out;
}

/**
 * A paper row as the core sees it, cut to the source limits (`withinLimits`): a row stored before
 * them, or written behind Paperboy's back, cannot make an email, page or feed grow without bound.
 */
export function toPaper(r: Selectable<PapersTable>): Paper {
  return withinLimits({
    id: r.id,
    seq: Number(r.seq),
    titleKey: r.title_key,
    title: r.title,
    abstract: r.abstract,
    authors: JSON.parse(r.authors),
    links: JSON.parse(r.links),
    extra: JSON.parse(r.extra),
    ...(r.arxiv_id ? { arxivId: r.arxiv_id } : {}),
    ...(r.upvotes !== null ? { upvotes: r.upvotes } : {}),
    ...(r.published_at ? { publishedAt: r.published_at } : {}),
    firstSeenAt: r.first_seen_at,
    updatedAt: r.updated_at,
    source: r.source,
  });
}

/** A paper as its row (JSON columns as text). */
export function fromPaper(p: NewPaper) {
  return {
    id: p.id,
    title_key: p.titleKey,
    arxiv_id: p.arxivId ?? null,
    title: p.title,
    abstract: p.abstract,
    authors: JSON.stringify(p.authors),
    links: JSON.stringify(p.links),
    extra: JSON.stringify(p.extra),
    upvotes: p.upvotes ?? null,
    published_at: p.publishedAt ?? null,
    first_seen_at: p.firstSeenAt,
    updated_at: p.updatedAt,
    source: p.source,
  };
}

/** A subscriber row as the core sees it. */
export function toSubscriber(r: Selectable<SubscribersTable>): Subscriber {
  return {
    id: Number(r.id),
    email: r.email,
    status: r.status as SubscriberStatus,
    topics: JSON.parse(r.topics),
    frequency: r.frequency as Frequency,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    confirmedAt: r.confirmed_at,
    unsubscribedAt: r.unsubscribed_at,
    confirmSentAt: r.confirm_sent_at,
    timezone: r.timezone ?? null,
    ranking: (r.ranking as Subscriber['ranking']) ?? null,
  };
}

/** An issue row as the core sees it. */
export function toIssue(r: Selectable<IssuesTable>): Issue {
  return {
    id: Number(r.id),
    frequency: r.frequency as Frequency,
    status: r.status as IssueStatus,
    createdAt: r.created_at,
    paperSeqHi: Number(r.paper_seq_hi),
    subject: r.subject,
    issueDate: r.issue_date,
  };
}
