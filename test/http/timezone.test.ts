/**
 * The "Time zone" field on the subscribe form and the preferences page, in-process with
 * app.request() against a real SQLite store and a real SMTP server: the browser's guess comes
 * from an external script the CSP allows (nothing inline), a zone is stored only with the
 * confirmation that goes out, and an unknown zone gets 400 beside the field with nothing stored.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { formSession, fromIp } from '../helpers/forms.js';
import { type ReaderRig, readerRig } from '../helpers/reader.js';
import type { TestSmtp } from '../helpers/smtp.js';
import type { Workspace } from '../helpers/workspace.js';

let rig: ReaderRig | undefined;
let ws: Workspace | undefined;
let app: App | undefined;
let smtp: TestSmtp | undefined;
afterEach(async () => {
  await rig?.close();
  rig = app = smtp = ws = undefined;
});

const ORIGIN = 'https://news.example.org';

/** The rig's clock stays where it starts: nothing here depends on time passing. */
async function setUp(env: Record<string, string> = {}) {
  rig = await readerRig({ env });
  ({ ws, app, smtp } = rig);
  return { http: rig.http, subscribe: (fields: Record<string, string>) => rig!.subscribe(fields) };
}

const everyone = () => rig!.subscribers();

describe('the time zone field', () => {
  it('is on the landing page with its label, hint and datalist, guessed by /assets/tz.js, which the CSP allows', async () => {
    const { http } = await setUp({ DELIVER_AT: '08:00', TZ: 'Europe/London' });
    const res = await http.request('/', {}, fromIp('203.0.113.7'));
    const page = await res.text();
    expect(page).toContain('<label for="timezone">Time zone <span class="hint">(optional)</span></label>');
    expect(page).toMatch(/<input id="timezone" name="timezone" type="text"[^>]* list="timezones"[^>]* data-tz value=""[^>]* aria-describedby="timezone-hint">/);
    expect(page).toContain('<datalist id="timezones"></datalist>');
    expect(page).toContain('Each issue arrives at 08:00 in this zone (empty: Europe/London).');
    expect(page).toContain('<script src="/assets/tz.js" defer></script>');
    expect(page.match(/<script/g)).toHaveLength(1);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');

    const js = await http.request('/assets/tz.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('x-content-type-options')).toBe('nosniff');
    const source = await js.text();
    expect(source).toContain('Intl.DateTimeFormat().resolvedOptions().timeZone');
    expect(source).toContain("Intl.supportedValuesOf('timeZone')");
    expect(source).toContain('if (!field.value');
  });

  it('stores the zone (canonical spelling) with the pending subscriber whose confirmation goes out', async () => {
    const { subscribe } = await setUp();
    const { res } = await subscribe({ email: 'ada@example.org', topics: 'rl', frequency: 'daily', timezone: ' asia/tokyo ' });
    expect(res.status).toBe(200);
    expect(await everyone()).toMatchObject([{ email: 'ada@example.org', status: 'pending', timezone: 'Asia/Tokyo' }]);
    expect(smtp!.received).toHaveLength(1);
    // Within the day no new confirmation goes out, so the zone stays as it was (like topics).
    await subscribe({ email: 'ada@example.org', timezone: 'Europe/Paris' });
    expect((await everyone())[0]!.timezone).toBe('Asia/Tokyo');
    // Empty: none.
    await subscribe({ email: 'bob@example.org', timezone: '' });
    expect((await app!.store.findSubscriber('bob@example.org'))!.timezone).toBeNull();
  });

  it('with DELIVER_AT, the welcome email names the reader’s own time and zone', async () => {
    const { http, subscribe } = await setUp({ DELIVER_AT: '08:00' });
    await subscribe({ email: 'ada@example.org', timezone: 'Asia/Tokyo' });
    const token = /\/confirm\/([A-Za-z0-9_-]+)/.exec(smtp!.received[0]!.parsed.text ?? '')![1]!;
    const form = await formSession(http, '/', ORIGIN);
    expect((await form.post(`/confirm/${token}`, {})).status).toBe(200);
    await app!.idle();
    expect(smtp!.received[1]!.parsed.text?.replace(/\s+/g, ' ')).toContain('The daily digest of trending research papers, every day at 08:00 (Asia/Tokyo).');
  });

  it('refuses an unknown zone with 400, the error beside the field, the form kept, nothing stored or sent', async () => {
    const { subscribe } = await setUp();
    for (const timezone of ['Mars/Olympus_Mons', '+01:00', 'Europe/Paris\r\nX: y', '<script>alert(1)</script>', `Europe/Paris${' '.repeat(60)}junk`]) {
      const { res, text } = await subscribe({ email: 'ada@example.org', topics: 'rl', timezone });
      expect(res.status, timezone).toBe(400);
      expect(text).toMatch(/<input id="timezone"[^>]* aria-describedby="timezone-hint timezone-error" aria-invalid="true">/);
      expect(text).toContain('<p class="error" id="timezone-error">Unknown time zone');
      expect(text).toContain('use an IANA name such as Europe/Paris');
      expect(text).toContain('value="ada@example.org"');
      expect(text).toContain('value="rl"');
      expect(text).not.toContain('<script>alert');
    }
    expect(await everyone()).toEqual([]);
    expect(smtp!.received).toHaveLength(0);
  });

  it('shows and saves the zone on the preferences page; an unknown one is refused beside the field and changes nothing', async () => {
    const { http } = await setUp();
    await ws!.cli(['subscribers', 'add', 'ada@example.org', '--topics', 'rl', '--timezone', 'Europe/Paris']);
    const ada = (await app!.store.findSubscriber('ada@example.org'))!;
    const path = `/preferences/${app!.tokens.linkTokens(ada.id).preferences}`;
    const form = await formSession(http, path, ORIGIN);
    expect(form.status).toBe(200);
    expect(form.html).toMatch(/<input id="timezone"[^>]* value="Europe\/Paris"/);
    expect(form.html).toContain('<script src="/assets/tz.js" defer></script>');

    const bad = await form.post(path, { frequency: 'weekly', topics: 'rl, diffusion', timezone: 'Europe/Atlantis' });
    expect(bad.status).toBe(400);
    const badPage = await bad.text();
    expect(badPage).toContain('<p class="error" id="timezone-error">Unknown time zone &quot;Europe/Atlantis&quot;');
    expect(badPage).toMatch(/<input id="timezone"[^>]* value="Europe\/Atlantis"[^>]* aria-invalid="true">/);
    expect(badPage).toContain('value="weekly" checked');
    expect(await app!.store.findSubscriber('ada@example.org')).toEqual(ada);

    const ok = await form.post(path, { frequency: 'daily', topics: 'rl', timezone: 'america/los_angeles' });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('Saved.');
    expect((await app!.store.findSubscriber('ada@example.org'))!.timezone).toBe('America/Los_Angeles');
    await form.post(path, { frequency: 'daily', topics: 'rl', timezone: '' });
    expect((await app!.store.findSubscriber('ada@example.org'))!.timezone).toBeNull();
  });
});
