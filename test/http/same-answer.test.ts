/**
 * `POST /subscribe` tells nobody who is on the list: the same answer, byte for byte, for every
 * kind of address, and the same work before it, the email (when one is due) begun only after the
 * answer. Issue 16, item 8: a new address answered about 3 ms slower than a known one, because
 * its confirmation email was rendered before the answer went out. How long each answer takes is
 * measured by `test/bench/same-answer.bench.ts`; tests never assert timings.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { SubscriptionMail } from '../../src/subscriptions/double-opt-in.js';
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

async function setUp() {
  rig = await readerRig({ env: { SUBSCRIBE_LIMIT_PER_IP: '1000' } });
  ({ ws, app, smtp } = rig);
  return { form: await rig.form(), advance: rig.advance };
}

/** Everything the store holds about subscribers. */
const subscribers = () => rig!.subscribers();

/** The status, every header and the body of an answer, to compare answers whole. */
async function whole(res: Response) {
  const headers: [string, string][] = [];
  res.headers.forEach((value, name) => headers.push([name, value]));
  return { status: res.status, headers, body: await res.text() };
}

describe('POST /subscribe answers the same', () => {
  it('byte for byte for new, pending, active, unsubscribed, suppressed and erased-suppressed addresses', async () => {
    const { form, advance } = await setUp();
    for (const email of ['active@example.org', 'gone@example.org', 'bounced@example.org', 'erased@example.org']) {
      await ws!.cli(['subscribers', 'add', email]);
    }
    await ws!.cli(['subscribers', 'remove', 'gone@example.org']);
    ws!.exec("update subscribers set status = 'suppressed' where email in ('bounced@example.org', 'erased@example.org')");
    expect((await ws!.cli(['subscribers', 'forget', 'erased@example.org'])).stdout).toContain('kept a keyed hash');
    await form.post('/subscribe', { email: 'pending@example.org' });
    await app!.idle();
    advance(3600_000);
    smtp!.received.length = 0;

    const answers = [];
    for (const email of ['new@example.org', 'pending@example.org', 'active@example.org', 'gone@example.org', 'bounced@example.org', 'erased@example.org']) {
      answers.push({ email, ...(await whole(await form.post('/subscribe', { email, topics: 'rl', frequency: 'weekly' }))) });
    }
    await app!.idle();
    const first = answers[0]!;
    expect(first.status).toBe(200);
    for (const a of answers) expect({ ...a, email: first.email }, a.email).toEqual(first);
    // Only the new address and the one coming back get an email (pending had one an hour ago).
    expect(smtp!.received.map((m) => m.envelope.to[0]).sort()).toEqual(['gone@example.org', 'new@example.org']);
    // The erased, suppressed address stays unknown: no row comes back for it.
    expect((await subscribers()).map((s) => s.email).sort()).toEqual([
      'active@example.org',
      'bounced@example.org',
      'gone@example.org',
      'new@example.org',
      'pending@example.org',
    ]);
  });

  it('in the work done before the answer: the confirmation email is begun only after it', async () => {
    const { form } = await setUp();
    const begun: string[] = [];
    const real = app!.flow.mail;
    const watched: SubscriptionMail = {
      confirmation: (s, url, hours) => (begun.push(s.email), real.confirmation(s, url, hours)),
      welcome: (s) => (begun.push(`welcome ${s.email}`), real.welcome(s)),
    };
    app!.flow.mail = watched;
    const res = await form.post('/subscribe', { email: 'new@example.org' });
    expect(res.status).toBe(200);
    expect(begun).toEqual([]);
    await app!.idle();
    expect(begun).toEqual(['new@example.org']);
    expect(smtp!.received.map((m) => m.envelope.to[0])).toEqual(['new@example.org']);

    // The welcome email too, after the confirmation's answer.
    const token = /\/confirm\/([A-Za-z0-9_-]+)/.exec(smtp!.received[0]!.parsed.text ?? '')![1]!;
    const confirmed = await form.post(`/confirm/${token}`, {});
    expect(confirmed.status).toBe(200);
    expect(begun).toEqual(['new@example.org']);
    await app!.idle();
    expect(begun).toEqual(['new@example.org', 'welcome new@example.org']);
  });
});
