/**
 * A confirm link answers by its own validity, not by the reader's state. Issue 16, item 8: an
 * expired or superseded link of a reader who is active showed "You're subscribed" with a working
 * preferences link, so an old email (a forwarded one, a shared mailbox's) gave control of the
 * reader's preferences long after it should have stopped working.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { type ReaderRig, readerRig } from '../helpers/reader.js';
import type { TestSmtp } from '../helpers/smtp.js';

const DAY = 24 * 3600_000;

let rig: ReaderRig | undefined;
let app: App | undefined;
let smtp: TestSmtp | undefined;
afterEach(async () => {
  await rig?.close();
  rig = app = smtp = undefined;
});

async function setUp() {
  rig = await readerRig();
  ({ app, smtp } = rig);
  const { http } = rig;
  const form = await rig.form();
  const post = async (path: string, fields: Record<string, string> = {}) => {
    const res = await form.post(path, fields);
    await app!.idle();
    return { status: res.status, text: await res.text() };
  };
  const get = async (path: string) => {
    const res = await http.request(path);
    return { status: res.status, text: await res.text() };
  };
  return { post, get, advance: rig.advance };
}

/** The confirm token in the n-th email received. */
const linkIn = (n: number) => /\/confirm\/([A-Za-z0-9_-]+)/.exec(smtp!.received[n]!.parsed.text ?? '')![1]!;
const status = async () => (await app!.store.findSubscriber('ada@example.org'))!.status;

/** The "expired" answer: 410, the new-link button, and no way into the reader's preferences. */
function expectExpired(page: { status: number; text: string }) {
  expect(page.status).toBe(410);
  expect(page.text).toContain('This link has expired');
  expect(page.text).toContain('Send me a new link</button>');
  expect(page.text).not.toContain('/preferences/');
  expect(page.text).not.toContain("You're subscribed");
}

describe('a confirm link of a reader who is active', () => {
  it('superseded by a newer confirmation email: 410 without a preferences link, on GET and POST', async () => {
    const { post, get, advance } = await setUp();
    await post('/subscribe', { email: 'ada@example.org' });
    advance(DAY + 60_000);
    await post('/subscribe', { email: 'ada@example.org' });
    expect(smtp!.received).toHaveLength(2);
    const [old, fresh] = [linkIn(0), linkIn(1)];
    expect((await post(`/confirm/${fresh}`)).status).toBe(200);
    expect(await status()).toBe('active');

    expectExpired(await get(`/confirm/${old}`));
    expectExpired(await post(`/confirm/${old}`));
    expect(await status()).toBe('active');
    // Asking for a new link changes nothing for an active reader and sends nothing.
    expect((await post(`/confirm/${old}/resend`)).status).toBe(200);
    expect(smtp!.received).toHaveLength(3); // the welcome email of the fresh link's confirmation
    expect(smtp!.received[2]!.parsed.subject).toBe('Welcome to Paperboy');
  });

  it('expired (7 days after it was sent): 410 without a preferences link, even for the link that confirmed', async () => {
    const { post, get, advance } = await setUp();
    await post('/subscribe', { email: 'ada@example.org' });
    const link = linkIn(0);
    expect((await post(`/confirm/${link}`)).text).toContain("You're subscribed");
    advance(7 * DAY + 5000);
    expectExpired(await get(`/confirm/${link}`));
    expectExpired(await post(`/confirm/${link}`));
    expect(await status()).toBe('active');
  });

  it('still valid (the newest, within 7 days): a second click says "You\'re subscribed", as before', async () => {
    const { post, get, advance } = await setUp();
    await post('/subscribe', { email: 'ada@example.org', topics: 'rl' });
    const link = linkIn(0);
    await post(`/confirm/${link}`);
    advance(3 * DAY);
    for (const page of [await get(`/confirm/${link}`), await post(`/confirm/${link}`)]) {
      expect(page.status).toBe(200);
      expect(page.text).toContain("You're subscribed");
      expect(page.text).toMatch(/href="https:\/\/news\.example\.org\/preferences\/[A-Za-z0-9_-]+"/);
      expect(page.text).not.toContain('welcome email is on its way');
    }
    expect(smtp!.received.map((m) => m.parsed.subject)).toEqual(['Confirm your subscription to Paperboy', 'Welcome to Paperboy']);
  });
});
