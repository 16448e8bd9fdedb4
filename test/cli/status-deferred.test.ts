/**
 * Issue 16, item 8: `paperboy status` said "N sent again after an interrupted run" of rows that
 * were flagged as possible duplicates but still waited for their retry. A deferred row waiting
 * for its next try is "deferred, next try at …"; only a flagged row that went out again is "sent
 * again". The same on the admin overview.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Workspace, SEED, workspace } from '../helpers/workspace.js';
import { type AdminRig, signedInRig } from '../http/admin/helpers.js';

let ws: Workspace | undefined;
let rig: AdminRig | undefined;
afterEach(async () => {
  ws?.cleanup();
  await rig?.close();
  ws = rig = undefined;
});

const NEXT_TRY = '2099-01-01T08:30:00.000Z';

/** One issue sent to three readers; then, as the ledger would have it: */
async function ledgerWithRetries(w: Workspace): Promise<void> {
  expect((await w.cli(['ingest', SEED])).code).toBe(0);
  for (const r of ['ada@example.org', 'alan@example.org', 'grace@example.org', 'lin@example.org']) expect((await w.cli(['subscribers', 'add', r])).code).toBe(0);
  expect((await w.cli(['send'])).code).toBe(0);
  const id = (email: string) => w.rows<{ id: number }>('select d.id from deliveries d join subscribers s on s.id = d.subscriber_id where s.email = ?', email)[0]!.id;
  // ada: the connection dropped after the whole message was written; deferred, flagged, not sent again yet.
  w.exec(
    `update deliveries set status = 'pending', maybe_duplicate = 1, attempts = 1, sent_at = null, next_attempt_at = ?, last_error = ? where id = ?`,
    NEXT_TRY,
    'connection lost after the message was written',
    id('ada@example.org'),
  );
  // alan: a plain 4xx, deferred to the same retry.
  w.exec(
    `update deliveries set status = 'pending', attempts = 1, sent_at = null, next_attempt_at = ?, last_error = ? where id = ?`,
    NEXT_TRY,
    '451 try later',
    id('alan@example.org'),
  );
  // grace: flagged and then sent again: a possible duplicate indeed.
  w.exec(`update deliveries set maybe_duplicate = 1 where id = ?`, id('grace@example.org'));
}

describe('status and deferred deliveries', () => {
  it('says "deferred, next try at …" of rows waiting for a retry, and "sent again" only of rows that went out again', async () => {
    ws = workspace();
    await ledgerWithRetries(ws);
    const text = (await ws.cli(['status'])).stdout;
    expect(text).toMatch(/^Deliveries: 2 pending, 2 sent$/m);
    expect(text).toContain('  2 deferred, next try at 2099-01-01 08:30 UTC (1 of them may have arrived already: a possible duplicate)\n');
    expect(text).toContain('  1 sent again after an interrupted run or a lost connection (possible duplicates)\n');
    expect(text).not.toMatch(/2 sent again/);

    const json = JSON.parse((await ws.cli(['status', '--json'])).stdout);
    expect(json.possibleDuplicates).toBe(1);
    expect(json.deferred).toEqual({ count: 2, next: NEXT_TRY, possibleDuplicates: 1 });
  });

  it('says the same on the admin overview', async () => {
    const signed = await signedInRig(undefined, ledgerWithRetries);
    rig = signed.rig;
    const page = await (await rig.get('/admin', signed.cookie)).text();
    expect(page).toContain('1 delivery was sent again after an interrupted run or a lost connection (possible duplicates).');
    expect(page).toContain('2 deliveries are deferred, the next try at 2099-01-01 08:30 UTC; 1 of them may have arrived already (a possible duplicate).');
    expect(page).not.toMatch(/2 deliveries were sent again/);
  });
});
