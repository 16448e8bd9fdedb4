/**
 * A request to stop, threaded through the long runs (a send, the scheduler's tick, the worker).
 * Once it is requested nothing new starts: no new delivery is claimed, no new issue is built, no
 * lock is waited for. What is in flight may finish for `graceMs`; after that the run gives up on
 * it and leaves those rows `sending`, for the next run to send again, flagged.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** How long messages in flight may take to finish once a stop is requested. */
export const STOP_GRACE_MS = 20_000;

/** A stop request, and what the run has in flight when it comes. */
export class Stop {
  /** Messages handed to the mailer and not answered yet (for the "stopping" line). */
  inFlight = 0;
  private readonly controller = new AbortController();
  private readonly requestedPromise: Promise<void>;

  constructor(readonly graceMs = STOP_GRACE_MS) {
    this.requestedPromise = new Promise<void>((resolve) => this.controller.signal.addEventListener('abort', () => resolve(), { once: true }));
  }

  /** Aborted when a stop is requested. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get requested(): boolean {
    return this.controller.signal.aborted;
  }

  /** Resolves when a stop is requested. */
  get whenRequested(): Promise<void> {
    return this.requestedPromise;
  }

  request(): void {
    this.controller.abort();
  }

  /** Waits `ms`, or less when a stop is requested. */
  async sleep(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.signal }).catch(() => {});
  }

  /**
   * Waits for `work`; once a stop is requested, for at most `graceMs` more. Resolves to true
   * when it gave up waiting (the work goes on, unobserved).
   */
  async within(work: Promise<unknown>): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const giveUp = new Promise<boolean>((resolve) => {
      onAbort = () => {
        timer = setTimeout(() => resolve(true), this.graceMs);
        timer.unref();
      };
      if (this.requested) onAbort();
      else this.signal.addEventListener('abort', onAbort, { once: true });
    });
    // A failure of `work` is thrown as it would be without a stop (once given up, it is ignored).
    const done = work.then(() => false);
    try {
      return await Promise.race([done, giveUp]);
    } finally {
      clearTimeout(timer);
      this.signal.removeEventListener('abort', onAbort!);
    }
  }
}
