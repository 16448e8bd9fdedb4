/**
 * Who this process is in the ledger (`claimed_by`, the issue and tick locks): `host:pid`. A
 * lease held by a process of this host that no longer runs can be taken back at once.
 */
import { hostname } from 'node:os';

/** This process in the ledger's `claimed_by`. */
export const WORKER = `${hostname()}:${process.pid}`;

/**
 * True when `worker` (host:pid) is a process on this host that no longer runs: its leased
 * deliveries can be taken back at once instead of when the lease runs out.
 */
export function isDeadWorker(worker: string): boolean {
  const [host, pid] = worker.split(':');
  if (host !== hostname() || !pid || !/^\d+$/.test(pid) || worker === WORKER) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
