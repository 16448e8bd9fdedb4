/**
 * Progress of a send: on a terminal, one bar redrawn in place (sent, failed, rate, ETA);
 * otherwise one log line every few seconds, so that logs stay readable.
 */
import type { DeliveryProgress as Progress } from '../pipeline/delivery-types.js';

/** The CLI's progress display of a send: a sink for `deliverIssue`'s progress, and `done()` to finish the line. */
export interface ProgressReporter {
  onProgress(p: Progress): void;
  done(): void;
}

/** A progress display writing to `write`: a bar on a terminal (`tty`), else a line every `everyMs`. */
export function progressReporter(write: (s: string) => void, tty: boolean, everyMs = tty ? 100 : 5000): ProgressReporter {
  // A log gets its first line after `everyMs`; a short run leaves only its summary line.
  let last = tty ? 0 : Date.now();
  let drawn = false;
  const line = (p: Progress) => {
    const seconds = p.elapsedMs / 1000;
    const rate = seconds > 0 ? (p.sent + p.failed) / seconds : 0;
    const eta = rate > 0 ? Math.round(p.remaining / rate) : undefined;
    const stats = `${p.sent} sent, ${p.failed} failed, ${p.deferred} deferred, ${p.remaining} left · ${Math.round(rate)}/s · ETA ${eta === undefined ? '?' : clock(eta)}`;
    if (!tty) return `issue #${p.issueId}: ${stats}\n`;
    const total = p.sent + p.failed + p.deferred + p.remaining;
    const width = 24;
    const done = total > 0 ? Math.round(((total - p.remaining) / total) * width) : width;
    return `\r[${'#'.repeat(done)}${'.'.repeat(width - done)}] ${stats}\x1b[K`;
  };
  return {
    onProgress(p: Progress) {
      const now = Date.now();
      if (now - last < everyMs && (!tty || p.remaining > 0)) return;
      last = now;
      write(line(p));
      drawn = tty;
    },
    done() {
      if (drawn) write('\n');
      drawn = false;
    },
  };
}

function clock(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return `${m}:${String(s).padStart(2, '0')}`;
}
