/**
 * A pacer for SEND_RATE: messages leave at most `perSecond` a second, evenly spaced, across
 * the whole pool. It starts empty (the first message waits one interval), so a restart never
 * sends a burst: the rate holds across restarts as well as within a run.
 */
export class RateLimiter {
  private next: number;
  private readonly interval: number;

  constructor(
    perSecond: number,
    private readonly clock: () => number = () => Date.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.interval = 1000 / perSecond;
    this.next = clock() + this.interval;
  }

  /** Resolves when the next message may go. */
  async take(): Promise<void> {
    const now = this.clock();
    const at = Math.max(now, this.next);
    this.next = at + this.interval;
    if (at > now) await this.sleep(at - now);
  }
}
