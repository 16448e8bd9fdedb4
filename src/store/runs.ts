/**
 * What the store keeps about the scheduler's runs, the sources' health and the operator's
 * alerts: the answer to "why did nothing go out?". The `Store` interface extends `RunStore`;
 * `paperboy status --json` prints these shapes as they are (a documented, stable shape).
 */
import type { Frequency } from '../domain.js';

/** How many runs the store keeps (older ones are deleted as new ones finish). */
export const KEEP_RUNS = 100;

/**
 * What started a run: a SCHEDULE tick, the catch-up/resume at start-up, or "ingest now" on the
 * admin's Sources page (`ingest`: the sources only, nothing built or sent; not a SCHEDULE tick).
 */
export type RunTrigger = 'schedule' | 'start-up' | 'ingest';

/** What one source gave in one run. */
export interface RunSource {
  source: string;
  /** `not-modified`: the URL answered 304 (nothing new, not a failure). */
  status: 'ingested' | 'not-modified' | 'failed';
  added: number;
  updated: number;
  unchanged: number;
  /** The one-line error when it failed, else null. */
  error: string | null;
}

/**
 * Why a cadence had no issue in a run: the builder's reasons, plus the run's own (every source
 * failed, an issue paused, the send could not start, a start-up run that builds nothing, the
 * scheduler stopping), and the issue lock's (`locked`: held elsewhere too long; `built-this-tick`:
 * another process built this tick's issue). Other strings may appear as reasons are added.
 */
export type RunReason = 'no-new-papers' | 'no-subscribers' | 'not-due' | 'sources-failed' | 'paused' | 'send-failed' | 'start-up' | 'stopped' | (string & {});

/** One cadence's result in a run: the issue built or resumed, or why none. */
export interface RunIssue {
  frequency: Frequency;
  /** The issue built (or resumed) and what its delivery did, or null. */
  issue: {
    id: number;
    subject: string;
    resumed: boolean;
    sent: number;
    failed: number;
    deferred: number;
    pending: number;
    /** Why the delivery paused, if it did. */
    paused: string | null;
  } | null;
  /** Why nothing (more) went out: null when `issue` went out normally, `paused` when it paused. */
  reason: RunReason | null;
  /** One line for people: what happened, or why not. */
  note: string;
}

/** One scheduler run (or an `ingest` run: `issues` is then empty). */
export interface RunRecord {
  id: number;
  trigger: RunTrigger;
  startedAt: string;
  /** Null while running, or when the process died during the run. */
  finishedAt: string | null;
  sources: RunSource[];
  issues: RunIssue[];
  /** One line: what went out, or why nothing did (null until finished). */
  summary: string | null;
}

/** A source's streak over the scheduler's runs. */
export interface SourceHealth {
  source: string;
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
  lastError: string | null;
  /** Runs in a row in which it failed (0 after a success). */
  consecutiveFailures: number;
  /** The first failure of the current streak, else null. */
  failingSince: string | null;
}

/** An alert to the operator, open until its condition clears. */
export interface Alert {
  id: number;
  /** The condition: `source:<source>` or `issue-paused:<id>`. */
  key: string;
  /** What happened, short (the email's subject after "Paperboy alert: "). */
  subject: string;
  /** The last error. */
  detail: string;
  openedAt: string;
  /** When the alert email went out (null: not emailed, e.g. no OPERATOR_EMAIL). */
  alertedAt: string | null;
  clearedAt: string | null;
}

/** The store's part of runs, source health and alerts. */
export interface RunStore {
  /** Records a run as started; returns its id. */
  startRun(trigger: RunTrigger, at: string): Promise<number>;
  /** Records what the run did, and deletes runs older than the last `keep`. */
  finishRun(id: number, run: Pick<RunRecord, 'finishedAt' | 'sources' | 'issues' | 'summary'>, keep?: number): Promise<void>;
  /** The newest runs first. */
  recentRuns(limit: number): Promise<RunRecord[]>;
  /** Updates a source's streak with one run's result; returns the new health. */
  recordSourceResult(source: string, result: { ok: true } | { ok: false; error: string }, at: string): Promise<SourceHealth>;
  /** Every source's health, by source. */
  sourceHealth(): Promise<SourceHealth[]>;
  /** Alerts not cleared yet, oldest first. */
  openAlerts(): Promise<Alert[]>;
  /** Opens an alert for `key`; undefined when one is open already (one per condition). */
  openAlert(a: { key: string; subject: string; detail: string }, at: string): Promise<Alert | undefined>;
  /** Takes the right to email an open alert: true once, for one process (sets `alertedAt`). */
  claimAlert(id: number, at: string): Promise<boolean>;
  /** Undoes a claim whose email could not be sent (the next run tries again). */
  unclaimAlert(id: number): Promise<void>;
  /** Clears an open alert; false when it was cleared already. */
  clearAlert(id: number, at: string): Promise<boolean>;
}
