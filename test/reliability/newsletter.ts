/**
 * Shared set-up of the reliability tests: a newsletter with `n` readers, an issue written but
 * not yet due (DELIVER_AT), the moment it falls due, and the ledger read per reader.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { type Child, paperboy } from '../helpers/child.js';
import { SEED, type Workspace } from '../helpers/workspace.js';

/** reader0000@example.org … */
export const readers = (n: number, domain = 'example.org') => Array.from({ length: n }, (_, i) => `reader${String(i).padStart(4, '0')}@${domain}`);

/** Ingests the seed digest and imports `list` as confirmed daily readers. */
export async function newsletter(ws: Workspace, list: string[]): Promise<void> {
  expect((await ws.cli(['ingest', SEED])).code).toBe(0);
  const csv = path.join(ws.dir, 'readers.csv');
  writeFileSync(csv, `email\n${list.join('\n')}\n`);
  expect((await ws.cli(['subscribers', 'import', csv])).code).toBe(0);
}

/**
 * Writes the next issue with DELIVER_AT six hours from now, as a scheduler does for readers who
 * get it at their local time: every ledger row waits, nothing is sent yet. Returns its id.
 */
export async function writeWaitingIssue(ws: Workspace, readers: number): Promise<number> {
  const later = new Date(Date.now() + 6 * 3600_000).toISOString().slice(11, 16);
  const r = await ws.cli(['send'], { DELIVER_AT: later });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toMatch(new RegExp(`${readers} deliveries wait for their local time`));
  const [issue] = ws.rows<{ id: number }>(`select id from issues order by id desc limit 1`);
  return issue!.id;
}

/** The readers' local time has come: every waiting row of the issue is due now. */
export function fallDue(ws: Workspace, issueId: number): void {
  ws.exec(`update deliveries set next_attempt_at = ? where issue_id = ? and status = 'pending'`, new Date(Date.now() - 60_000).toISOString(), issueId);
}

/** One row per reader: what the ledger says. */
export interface LedgerRow {
  email: string;
  status: string;
  attempts: number;
  maybe_duplicate: number;
  subscriber: string;
}

/** The ledger of `issueId`, one row per reader, by address. */
export function ledger(ws: Workspace, issueId: number): LedgerRow[] {
  return ws
    .rows<LedgerRow>(
      `select s.email, d.status, d.attempts, d.maybe_duplicate, s.status as subscriber
         from deliveries d join subscribers s on s.id = d.subscriber_id
        where d.issue_id = ? order by s.email`,
      issueId,
    )
    .map((r) => ({ ...r, attempts: Number(r.attempts), maybe_duplicate: Number(r.maybe_duplicate) }));
}

/** Deliveries of the issue by status. */
export function states(ws: Workspace, issueId: number): Record<string, number> {
  const rows = ws.rows<{ status: string; n: number }>(`select status, count(*) as n from deliveries where issue_id = ? group by status`, issueId);
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/**
 * How often a test looks at the store while it waits (`eventually`): the SMTP server runs in this
 * process and a synchronous store read blocks it, so store reads are spaced out.
 */
export const STORE_READ_INTERVAL_MS = 250;

/** Starts `paperboy worker` processes (the built executable). */
export function workers(ws: Workspace, n: number): Child[] {
  return Array.from({ length: n }, () => paperboy(ws, ['worker']));
}

/** SIGTERM, as an operator stops a worker: each must exit 0. */
export async function stopGracefully(children: Child[]): Promise<void> {
  for (const c of children) c.process.kill('SIGTERM');
  for (const c of children) expect(await c.exited, c.stderr()).toBe(0);
}

/** Kills whatever is still running (after a failed test). */
export async function killAll(children: Child[]): Promise<void> {
  for (const c of children) if (c.process.exitCode === null && c.process.signalCode === null) c.process.kill('SIGKILL');
  await Promise.all(children.map((c) => c.exited));
}
