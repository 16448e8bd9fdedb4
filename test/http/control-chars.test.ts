/**
 * Issue 16, item 6, the HTTP edges: NUL and other control characters are refused or stripped
 * before a store sees them. PostgreSQL refuses NUL in text, so an admin search for `%00`
 * answered 500 there; every form and filter now answers 200 (stripped) or 400 (refused), on both
 * stores, and stores nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { formSession } from '../helpers/forms.js';
import { type ReaderRig, readerRig } from '../helpers/reader.js';
import { type AdminRig, signedInRig } from './admin/helpers.js';

/** NUL, other C0 controls, a terminal escape, DEL, a C1 control (NEL), the line separator. */
const CONTROLS = ['\u0000', '\u0001', '\u001b[31m', '\u007f', '\u0085', '\u2028'];
const shown = (v: unknown) => JSON.stringify(v).replace(/[\u007f-\u009f\u2028]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

let rig: AdminRig | undefined;
let reader: ReaderRig | undefined;
let app: App | undefined;
afterEach(async () => {
  await rig?.close();
  await reader?.close();
  rig = reader = app = undefined;
});

/** The addresses listed on an admin subscribers page. */
const listed = (page: string) => [...page.matchAll(/<li data-id="\d+"><strong>([^<]+)</g)].map((m) => m[1]);

describe('the admin search and filters', () => {
  it('strip control characters from every filter instead of failing (a NUL was a 500 on PostgreSQL)', async () => {
    const signed = await signedInRig();
    rig = signed.rig;
    for (const c of CONTROLS) {
      for (const key of ['q', 'topic', 'status', 'frequency', 'after']) {
        const res = await rig.get(`/admin/subscribers?${key}=${encodeURIComponent(`a${c}da`)}`, signed.cookie);
        expect(res.status, `${key}=${shown(c)}`).toBe(200);
        const page = await res.text();
        expect(page).not.toContain(c);
      }
      // A control character between the letters of a real part of the address still finds it.
      if (c.length > 1) continue;
      const found = await (await rig.get(`/admin/subscribers?q=${encodeURIComponent(`ad${c}a@`)}`, signed.cookie)).text();
      expect(listed(found), shown(c)).toEqual(['ada@example.org']);
    }
    const nul = await (await rig.get('/admin/subscribers?q=%00', signed.cookie)).text();
    expect(listed(nul)).toEqual(['ada@example.org']);
  });

  it('refuse control characters in the add form with 400, storing nothing', async () => {
    const signed = await signedInRig();
    rig = signed.rig;
    const before = await rig.app.store.findSubscriber('ada@example.org');
    for (const c of CONTROLS) {
      for (const fields of [
        { email: `gra${c}ce@example.org` },
        { email: 'grace@example.org', topics: `a${c}i` },
        { email: 'grace@example.org', frequency: `dai${c}ly` },
      ] as Record<string, string>[]) {
        const res = await rig.post('/admin/subscribers/add', { csrf: signed.csrf, ...fields }, signed.cookie);
        expect(res.status, shown(fields)).toBe(400);
      }
    }
    expect(await rig.app.store.findSubscriber('grace@example.org')).toBeUndefined();
    expect(await rig.app.store.findSubscriber('ada@example.org')).toEqual(before);
  });
});

describe("a reader's forms", () => {
  async function setUp() {
    // The rig adds ada through the CLI and fails when that fails.
    reader = await readerRig({ reader: 'ada@example.org', smtp: false, clock: 'real' });
    app = reader.app;
    return { http: reader.http, ada: reader.reader, token: reader.tokens.preferences };
  }

  it('refuse control characters in the preferences form with 400, saving nothing', async () => {
    const { http, ada, token } = await setUp();
    for (const c of CONTROLS) {
      for (const fields of [{ topics: `a${c}i` }, { timezone: `Europe/${c}Paris` }, { frequency: `week${c}ly` }]) {
        const form = await formSession(http, `/preferences/${token}`, 'https://news.example.org');
        const res = await form.post(`/preferences/${token}`, { frequency: 'daily', topics: '', timezone: '', ...fields });
        expect(res.status, shown(fields)).toBe(400);
      }
    }
    expect(await app!.store.getSubscriber(ada.id)).toEqual(ada);
  });

  it('refuse control characters in the subscribe form with 400, storing nothing', async () => {
    const { http } = await setUp();
    let ip = 1;
    for (const c of CONTROLS) {
      for (const fields of [
        { email: `gra${c}ce@example.org` },
        { email: 'grace@example.org', topics: `a${c}i` },
        { email: 'grace@example.org', timezone: `Europe/${c}Paris` },
      ] as Record<string, string>[]) {
        // From a new address each time: the per-address limit is not what this is about.
        const form = await formSession(http, '/', 'https://news.example.org', `198.51.100.${ip++}`);
        const res = await form.post('/subscribe', { frequency: 'daily', ...fields }, { ip: `198.51.100.${ip - 1}` });
        expect(res.status, shown(fields)).toBe(400);
      }
    }
    await app!.idle();
    expect(await app!.store.findSubscriber('grace@example.org')).toBeUndefined();
  });
});
