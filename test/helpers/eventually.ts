/**
 * Waiting in tests. Every "until this holds" (a line from a child process, a server's greeting,
 * mail arriving, the ledger catching up) goes through `eventually`, so that each wait has a
 * deadline and, when it runs out, says what it was waiting for.
 */

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** How long and how often `eventually` looks, and what it waits for. */
export interface EventuallyOptions {
  /** What is awaited, for the error on time-out; a function is called only then (to add a log or what was printed). */
  what: string | (() => string);
  /** Gives up after this long (default 15 s). */
  timeoutMs?: number;
  /** Time between looks (default 20 ms). */
  intervalMs?: number;
}

type Falsy = false | 0 | '' | null | undefined;

/**
 * Calls `check` until it returns a truthy value, and resolves with that value (a found message,
 * `true`). `check` may be async, and may throw to give up at once (a server that exited). Fails
 * after `timeoutMs` with "timed out after N ms waiting for <what>".
 */
export async function eventually<T>(check: () => T | Promise<T>, opts: EventuallyOptions): Promise<Exclude<T, Falsy>> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as Exclude<T, Falsy>;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof opts.what === 'function' ? opts.what() : opts.what}`);
    await sleep(opts.intervalMs ?? 20);
  }
}
