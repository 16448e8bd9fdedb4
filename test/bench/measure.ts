/**
 * A tiny benchmark harness: warm up, time many runs, print median and spread. Benchmarks
 * print figures; they never fail on a timing.
 */
import { cpus } from 'node:os';

export interface Figure {
  name: string;
  runs: number;
  medianMs: number;
  p95Ms: number;
  minMs: number;
}

/** Times `fn` `runs` times after `warmup` untimed runs. */
export async function measure(name: string, fn: () => unknown, opts: { runs?: number; warmup?: number } = {}): Promise<Figure> {
  const runs = opts.runs ?? 50;
  for (let i = 0; i < (opts.warmup ?? 5); i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { name, runs, medianMs: times[Math.floor(runs / 2)]!, p95Ms: times[Math.floor(runs * 0.95)]!, minMs: times[0]! };
}

/** Prints figures as an aligned table with the machine on top. */
export function report(title: string, figures: Figure[], extra: string[] = []): void {
  const width = Math.max(...figures.map((f) => f.name.length));
  const lines = [
    `\n${title} (${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version})`,
    `${'benchmark'.padEnd(width)}  ${'median'.padStart(10)}  ${'p95'.padStart(10)}  ${'min'.padStart(10)}  runs`,
    ...figures.map((f) => `${f.name.padEnd(width)}  ${fmt(f.medianMs).padStart(10)}  ${fmt(f.p95Ms).padStart(10)}  ${fmt(f.minMs).padStart(10)}  ${f.runs}`),
    ...extra,
  ];
  console.log(lines.join('\n'));
}

/** Milliseconds as "12.3 ms" or "4.56 µs". */
export function fmt(ms: number): string {
  return ms >= 1 ? `${ms.toFixed(1)} ms` : `${(ms * 1000).toFixed(2)} µs`;
}
