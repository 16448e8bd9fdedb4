/**
 * The worker: a loop that sends whatever the ledger says is due (deferred retries, issues left
 * by a crashed run), then sleeps until the next thing is due or a few seconds pass. Several
 * workers can run against one store: claims are atomic and leased.
 */
import { toAppError } from '../errors.js';
import { deliverIssue } from './deliver.js';
import type { DeliverDeps, DeliveryReport } from './delivery-types.js';

/** Runs one exclusive job at a time in this process (the scheduler's tick and the worker share it). */
export class Lock {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** Worker settings. */
export interface WorkerOptions {
  /** Resolves when the worker must stop. */
  stopped: Promise<void>;
  /** Longest sleep between looks at the ledger. */
  idleMs?: number;
  lock?: Lock;
  onReport?: (r: DeliveryReport) => void;
}

/** Delivers due work until `stopped` resolves. Paused issues wait for `paperboy send`. */
export async function runWorker(deps: DeliverDeps, opts: WorkerOptions): Promise<void> {
  let stop = false;
  void opts.stopped.then(() => {
    stop = true;
  });
  const lock = opts.lock ?? new Lock();
  while (!stop) {
    let worked = false;
    try {
      worked = await lock.run(async () => {
        let any = false;
        for (const id of await deps.store.issuesWithDueDeliveries(deps.now().toISOString())) {
          const issue = await deps.store.getIssue(id);
          if (!issue || issue.status === 'paused' || stop) continue;
          const report = await deliverIssue(deps, issue);
          opts.onReport?.(report);
          any ||= report.sent + report.failed + report.deferred > 0;
        }
        return any;
      });
    } catch (err) {
      deps.log.error(`worker: ${toAppError(err).message}`);
    }
    if (!worked && !stop) {
      // With a Stop, a sleep that leaves nothing behind (a worker idles for months).
      if (deps.stop) await deps.stop.sleep(opts.idleMs ?? 5000);
      else await Promise.race([opts.stopped, new Promise((r) => setTimeout(r, opts.idleMs ?? 5000).unref())]);
    }
  }
}
