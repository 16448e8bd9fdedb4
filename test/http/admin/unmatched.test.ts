/**
 * The overview's bounce section lists the reports that proved nothing (issue 16, item 1): a
 * forged bounce or complaint suppresses nobody, and the operator sees how many came and the last
 * few (domain, type, status, when), never the address they named. Through the real policy and
 * store, and the real /admin page.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { recordEvents } from '../../../src/bounces/policy.js';
import { type AdminRig, signedInRig } from './helpers.js';

let rig: AdminRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const section = (page: string, id: string) => new RegExp(`<section[^>]*aria-labelledby="${id}">([\\s\\S]*?)</section>`).exec(page)?.[1] ?? '';

describe('/admin: unmatched reports', () => {
  it('counts forged reports and lists the last few by domain, type, status and time, without the address; ada stays active', async () => {
    const signed = await signedInRig();
    rig = signed.rig;
    const at = rig.app.bounces.now().toISOString();
    const forged = (n: number, type: 'hard-bounce' | 'complaint' | 'sender-refusal', recipient: string, status?: string) => ({
      type,
      source: 'imap' as const,
      externalId: `forged-${n}@mx.attacker.example`,
      occurredAt: at,
      recipient,
      ...(status ? { status, diagnostic: `550 ${status} <${recipient}>: no such user` } : {}),
    });
    const out = await recordEvents(rig.app.bounces, [
      forged(1, 'hard-bounce', 'ada@example.org', '5.1.1'),
      forged(2, 'complaint', 'ada@example.org'),
      forged(3, 'sender-refusal', 'someone@gmail.com', '5.7.1'),
    ]);
    expect(out).toMatchObject({ unmatched: 3, suppressed: 0, pausedDomains: [] });
    expect(rig.ws.rows<{ status: string }>('select status from subscribers')).toEqual([{ status: 'active' }]);

    const page = await (await rig.get('/admin', signed.cookie)).text();
    const bounces = section(page, 'deliverability');
    expect(bounces).toMatch(/3 unmatched reports/);
    const items = [...bounces.matchAll(/<li data-unmatched[^>]*>([\s\S]*?)<\/li>/g)].map((m) =>
      m[1]!
        .replace(/<[^>]+>/g, '')
        .replace(/\s+/g, ' ')
        .trim(),
    );
    expect(items).toHaveLength(3);
    expect(items).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/gmail\.com.*sender-refusal.*5\.7\.1/),
        expect.stringMatching(/example\.org.*complaint/),
        expect.stringMatching(/example\.org.*hard-bounce.*5\.1\.1/),
      ]),
    );
    expect(bounces).not.toMatch(/ada@|someone@/);
  });
});
