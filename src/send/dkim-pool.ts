/**
 * A small pool of worker threads that compute DKIM signatures, so that the RSA signature (nearly
 * all of the per-copy cost) runs beside the main thread, which drives the SMTP connections.
 *
 * A thread receives each variant once (its canonical body pieces, keys and timestamp) and then
 * batches of sign requests, a few hundred bytes per recipient; one message carries a whole batch
 * so that passing messages costs little next to signing. Each signature comes back as soon as
 * it is made: the copy it belongs to may be waiting for it (answering in groups measured slower).
 *
 * The main thread may take over a copy that no thread has started on yet (`takeOver`): when the
 * threads fall behind, it signs instead of waiting idle. Each job has a claim word in shared
 * memory that the thread and the main thread compare-and-swap, so a copy is signed exactly once.
 *
 * The threads run `dkimCore`'s own source (evaluated, CommonJS: `eval: true`), which works the
 * same from the built `dist/` and under vitest, where no compiled module file exists. They never
 * keep the process alive while idle (unref'd; ref'd only while answers are owed). A thread that
 * dies rejects what it owed with an Error and is replaced on the next request.
 */
import { availableParallelism } from 'node:os';
import { type MessagePort, Worker } from 'node:worker_threads';
import { type DkimCore, SIGNED_HEADERS, type SignRequest, type Variant, type VariantSpec, dkimCore } from './dkim-core.js';

/** Fewer copies than this are not split over threads (each split costs a message). */
const MIN_SHARE = 5;
/** Variants a thread keeps (about 60 KB each); the oldest is dropped and sent again if needed. */
const MAX_VARIANTS = 64;
/** Threads that die this many times in a row, never answering, are given up on: sign on the main thread. */
const MAX_CRASHES = 3;

/** The default thread count: one core is left to the main thread; none at all on a single core, where threads cannot pay. */
export function defaultDkimThreads(): number {
  return Math.max(0, Math.min(4, availableParallelism() - 1));
}

/** A variant as the pool knows it: a number that names it to the threads, and what they need once. */
export interface PoolVariant {
  id: number;
  spec: VariantSpec;
}

type ToWorker =
  | { type: 'variant'; id: number; spec: VariantSpec }
  | { type: 'drop'; id: number }
  | { type: 'sign'; batch: number; variant: number; jobs: SignRequest[]; claims: Int32Array };
/** The answer to job `job` of a batch: the header lines, or why signing failed. */
interface FromWorker {
  batch: number;
  job: number;
  lines?: string;
  error?: string;
}

/** A claim word's values: nobody has the job yet, the main thread took it over, the thread has it. */
const OPEN = 0;
const TAKEN = 1;
const THREAD = 2;

/** One copy's signature on its way from a thread. */
export interface PendingJob {
  /** The DKIM-Signature lines; rejects with an Error when the copy cannot be signed or the thread dies. */
  promise: Promise<string>;
  /**
   * True when no thread had started on the copy and it is now the caller's to sign; the promise
   * then never settles. False when a thread has it: await the promise.
   */
  takeOver(): boolean;
}

/** The thread's message loop. Runs from its source in the thread: self-contained, like dkimCore. */
function workerMain(port: MessagePort, core: DkimCore, claim: { open: number; thread: number }): void {
  const variants = new Map<number, Variant>();
  port.on('message', (m: ToWorker) => {
    if (m.type === 'variant') variants.set(m.id, core.variant(m.spec));
    else if (m.type === 'drop') variants.delete(m.id);
    else {
      const v = variants.get(m.variant);
      for (let job = 0; job < m.jobs.length; job++) {
        // Taken over by the main thread: nothing to do, nothing to say.
        if (Atomics.compareExchange(m.claims, job, claim.open, claim.thread) !== claim.open) continue;
        try {
          if (!v) throw new Error(`DKIM: variant ${m.variant} is unknown to the signing thread`);
          port.postMessage({ batch: m.batch, job, lines: core.sign(v, m.jobs[job]!) } satisfies FromWorker);
        } catch (err) {
          port.postMessage({ batch: m.batch, job, error: err instanceof Error ? err.message : String(err) } satisfies FromWorker);
        }
      }
    }
  });
}

const WORKER_SOURCE = `'use strict';
(${workerMain.toString()})(
  require('node:worker_threads').parentPort,
  (${dkimCore.toString()})(require('node:crypto'), ${JSON.stringify(SIGNED_HEADERS)}),
  ${JSON.stringify({ open: OPEN, thread: THREAD })},
);`;

interface Owed {
  resolve: (lines: string) => void;
  reject: (err: Error) => void;
}

interface Thread {
  worker: Worker;
  /** Per batch, what is still owed, in job order (answered or taken entries are set to undefined), and how many. */
  batches: Map<number, { owed: (Owed | undefined)[]; left: number }>;
  /** Jobs owed in all: the thread is ref'd while this is above 0. */
  owed: number;
  /** The variants this thread holds, oldest first. */
  variants: Set<number>;
}

/** Worker threads that sign copies of prepared variants. */
export class DkimPool {
  private readonly threads: Thread[] = [];
  private nextBatch = 0;
  private crashes = 0;
  private closed = false;

  constructor(readonly size: number) {
    if (!(size >= 1)) throw new Error('a DKIM pool needs at least one thread');
  }

  /** False once closed, or when threads keep dying without answering (the signer then signs on the main thread). */
  get usable(): boolean {
    return !this.closed && this.crashes < MAX_CRASHES;
  }

  /** The live threads, for tests and diagnostics. */
  get workers(): readonly Worker[] {
    return this.threads.map((t) => t.worker);
  }

  /**
   * Signs copies of one variant: one pending job per request, in order. A batch goes to the least
   * busy threads, split only when several threads can share it.
   */
  sign(variant: PoolVariant, jobs: SignRequest[]): PendingJob[] {
    if (this.closed) return jobs.map(() => ({ promise: Promise.reject(new Error('the DKIM signer is closed')), takeOver: () => false }));
    const share = Math.max(MIN_SHARE, Math.ceil(jobs.length / this.size));
    const out: PendingJob[] = [];
    for (let i = 0; i < jobs.length; i += share) out.push(...this.post(this.pick(), variant, jobs.slice(i, i + share)));
    return out;
  }

  /** Ends the threads; whatever they still owed rejects. */
  async close(): Promise<void> {
    this.closed = true;
    const threads = this.threads.splice(0);
    for (const t of threads) this.settleAll(t, new Error('the DKIM signer was closed'));
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }

  /** The thread owing the least; a new one while there is room and every thread is busy. */
  private pick(): Thread {
    let best: Thread | undefined;
    for (const t of this.threads) if (!best || t.owed < best.owed) best = t;
    if (best && (best.owed === 0 || this.threads.length >= this.size)) return best;
    return this.spawn();
  }

  private post(t: Thread, variant: PoolVariant, jobs: SignRequest[]): PendingJob[] {
    if (t.variants.has(variant.id)) {
      // Most recently used last, so that the oldest is the one dropped.
      t.variants.delete(variant.id);
    } else {
      t.worker.postMessage({ type: 'variant', id: variant.id, spec: variant.spec } satisfies ToWorker);
      if (t.variants.size >= MAX_VARIANTS) {
        const oldest = t.variants.values().next().value!;
        t.variants.delete(oldest);
        t.worker.postMessage({ type: 'drop', id: oldest } satisfies ToWorker);
      }
    }
    t.variants.add(variant.id);
    const batch = this.nextBatch++;
    const owed: (Owed | undefined)[] = [];
    const promises = jobs.map(() => new Promise<string>((resolve, reject) => owed.push({ resolve, reject })));
    const claims = new Int32Array(new SharedArrayBuffer(4 * jobs.length));
    t.batches.set(batch, { owed, left: jobs.length });
    if (t.owed === 0) t.worker.ref();
    t.owed += jobs.length;
    t.worker.postMessage({ type: 'sign', batch, variant: variant.id, jobs, claims } satisfies ToWorker);
    return promises.map((promise, job) => ({
      promise,
      takeOver: () => {
        if (Atomics.compareExchange(claims, job, OPEN, TAKEN) !== OPEN) return false;
        this.take(t, batch, job); // the thread will skip it
        return true;
      },
    }));
  }

  private spawn(): Thread {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    const t: Thread = { worker, batches: new Map(), owed: 0, variants: new Set() };
    worker.on('message', (m: FromWorker) => this.answer(t, m));
    worker.on('error', (err) => this.lost(t, err));
    worker.on('messageerror', (err) => this.lost(t, err));
    worker.on('exit', (code) => this.lost(t, new Error(`exited with code ${code}`)));
    this.threads.push(t);
    return t;
  }

  private answer(t: Thread, m: FromWorker): void {
    this.crashes = 0;
    const o = this.take(t, m.batch, m.job);
    if (m.error === undefined) o?.resolve(m.lines!);
    else o?.reject(new Error(m.error));
  }

  /** Job `job` of `batch` is owed no more: answered, or taken over. */
  private take(t: Thread, batch: number, job: number): Owed | undefined {
    const b = t.batches.get(batch);
    const o = b?.owed[job];
    if (!b || !o) return undefined; // already rejected: the thread died or the pool closed
    b.owed[job] = undefined;
    if (--b.left === 0) t.batches.delete(batch);
    if (--t.owed === 0) t.worker.unref();
    return o;
  }

  /** A thread died (or failed to start): it is dropped, what it owed rejects, the next request starts another. */
  private lost(t: Thread, err: Error): void {
    const i = this.threads.indexOf(t);
    if (i < 0) return; // already handled ('error' is followed by 'exit'), or closed
    this.threads.splice(i, 1);
    this.crashes++;
    this.settleAll(t, new Error(`the DKIM signing thread stopped: ${err.message}`));
    void t.worker.terminate();
  }

  private settleAll(t: Thread, err: Error): void {
    for (const { owed } of t.batches.values()) for (const o of owed) o?.reject(err);
    t.batches.clear();
    t.owed = 0;
    t.worker.unref();
  }
}
