/**
 * What a send reports per cadence or resumed issue: the issue delivered, or why there was none.
 * Its own file, so that the lines describing a send (`describe-run.ts`) and the run records
 * (`run-record.ts`) read it without importing the send itself (`send-job.ts`).
 */
import type { Frequency, Issue } from '../domain.js';
import type { NoIssue } from '../issue/builder.js';
import type { DeliveryReport } from './delivery-types.js';

/** One line of the send report per cadence or resumed issue. */
export type SendOutcome =
  | { kind: 'delivered'; issue: Issue; report: DeliveryReport; resumed: boolean }
  | { kind: 'nothing'; frequency: Frequency; why: NoIssue | { reason: 'not-due'; last: Issue } | LockedOut };

/**
 * Why the scheduler built no issue of a cadence because of the issue lock: another process built
 * this tick's issue already, or held the lock for longer than the scheduler waits.
 */
export type LockedOut = { reason: 'built-this-tick' | 'locked'; message: string };
