/**
 * What a provider's webhook may change (issue 16, item 1), through each route into the real
 * bounce policy and the real store (SQLite, or PostgreSQL in the PostgreSQL pass). A payload the
 * route verified (SNS signature, Postmark's credentials, Svix signature) is the provider's word
 * about mail we sent through it: naming a reader's address is proof enough, so a hard bounce or
 * a complaint suppresses that reader. But a verified report still proves nothing about readers
 * it does not name: one about an address not on the list is unmatched (listed for the operator,
 * with no address kept), and one reader's refusals of the sender, however many, pause nothing;
 * three distinct readers of a domain do. A payload that fails verification changes nothing.
 *
 * The routes are mounted as `createHttpApp` mounts them, with the SNS certificate served locally
 * (the one seam: the real one is fetched from amazonaws.com).
 */
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../../src/app.js';
import { recordEvents } from '../../../src/bounces/policy.js';
import { loadConfig } from '../../../src/config.js';
import { webhookRoutes } from '../../../src/http/webhooks/index.js';
import { silentLog } from '../../../src/log.js';
import { SPAM_REFUSAL } from '../../helpers/bounce-mail.js';
import {
  POSTMARK_AUTH,
  RESEND_SECRET,
  TOPIC_ARN,
  type SnsKey,
  basicAuth,
  post,
  postmarkBounce,
  resendEvent,
  sesBounce,
  sesComplaint,
  snsKey,
  snsNotification,
  svixHeaders,
} from '../../helpers/webhooks.js';
import { SEED, type Workspace, workspace } from '../../helpers/workspace.js';

const READERS = ['ada@example.org', 'bob@example.org', 'cy@example.org', 'g1@gmail.com', 'g2@gmail.com', 'g3@gmail.com'];
const DEAD = '550 5.1.1 The email account that you tried to reach does not exist.';

type Kind = 'hard' | 'complaint' | 'refusal';
interface Request {
  path: string;
  body: string;
  headers: Record<string, string>;
}
interface Provider {
  name: string;
  /** A correctly verified request reporting `kind` about `to`, with the report id `id`. */
  request(kind: Kind, to: string, id: string): Request;
  /** The same request, failing verification (another key or wrong credentials). */
  forged(kind: Kind, to: string, id: string): Request;
}

let key: SnsKey;
let otherKey: SnsKey;
const sesBody = (kind: Kind, to: string) =>
  kind === 'complaint'
    ? sesComplaint([to])
    : sesBounce(kind === 'hard' ? 'Permanent' : 'Transient', [
        { emailAddress: to, status: kind === 'hard' ? '5.1.1' : '5.7.1', diagnosticCode: `smtp; ${kind === 'hard' ? DEAD : SPAM_REFUSAL}` },
      ]);
const ses: Provider = {
  name: 'ses',
  request: (kind, to, id) => ({
    path: '/webhooks/ses',
    body: JSON.stringify(snsNotification(sesBody(kind, to), key, { messageId: id })),
    headers: { 'content-type': 'text/plain; charset=UTF-8' },
  }),
  forged: (kind, to, id) => ({
    path: '/webhooks/ses',
    body: JSON.stringify(snsNotification(sesBody(kind, to), otherKey, { messageId: id })),
    headers: { 'content-type': 'text/plain; charset=UTF-8' },
  }),
};
const postmarkBody = (kind: Kind, to: string, id: string) =>
  JSON.stringify(
    kind === 'complaint'
      ? postmarkBounce({ RecordType: 'SpamComplaint', Type: 'SpamComplaint', ID: id, Email: to, Details: '' })
      : postmarkBounce({ ID: id, Email: to, Type: kind === 'hard' ? 'HardBounce' : 'Blocked', Details: `smtp;${kind === 'hard' ? DEAD : SPAM_REFUSAL}` }),
  );
const postmark: Provider = {
  name: 'postmark',
  request: (kind, to, id) => ({
    path: '/webhooks/postmark',
    body: postmarkBody(kind, to, id),
    headers: { 'content-type': 'application/json', authorization: basicAuth(POSTMARK_AUTH) },
  }),
  forged: (kind, to, id) => ({
    path: '/webhooks/postmark',
    body: postmarkBody(kind, to, id),
    headers: { 'content-type': 'application/json', authorization: basicAuth('paperboy:guessed') },
  }),
};
const resendBody = (kind: Kind, to: string) =>
  JSON.stringify(
    kind === 'complaint'
      ? resendEvent('email.complained', { to: [to] })
      : resendEvent('email.bounced', { to: [to], bounce: { type: 'Permanent', subType: 'General', message: kind === 'hard' ? DEAD : SPAM_REFUSAL } }),
  );
const resend: Provider = {
  name: 'resend',
  request: (kind, to, id) => {
    const body = resendBody(kind, to);
    return { path: '/webhooks/resend', body, headers: svixHeaders(body, { id: `msg_${id}` }) };
  },
  forged: (kind, to, id) => {
    const body = resendBody(kind, to);
    return { path: '/webhooks/resend', body, headers: svixHeaders(body, { id: `msg_${id}`, secret: `whsec_${Buffer.from('not-the-key').toString('base64')}` }) };
  },
};

beforeAll(() => {
  key = snsKey();
  otherKey = snsKey();
});

describe.each([ses, postmark, resend])('verified $name webhooks through the bounce policy', (provider) => {
  let ws: Workspace;
  let app: App;
  let http: Hono;
  let ids = 0;
  const send = async (r: Request) => post(http, r.path, r.body, r.headers);
  const report = (kind: Kind, to: string) => send(provider.request(kind, to, String(1000 + ++ids)));
  const readerStatus = () =>
    Object.fromEntries(ws.rows<{ email: string; status: string }>('select email, status from subscribers order by id').map((s) => [s.email, s.status]));
  const pauses = () => ws.rows<{ domain: string }>('select domain from domain_pauses').map((p) => p.domain);
  const storeState = () => ({
    subscribers: ws.rows('select * from subscribers order by id'),
    events: ws.rows('select * from events order by id'),
    pauses: pauses(),
  });
  const deliverability = async () => JSON.parse((await ws.cli(['status', '--json'])).stdout).deliverability;

  beforeAll(async () => {
    ws = workspace({ SES_TOPIC_ARN: TOPIC_ARN, POSTMARK_WEBHOOK_AUTH: POSTMARK_AUTH, RESEND_WEBHOOK_SECRET: RESEND_SECRET });
    expect((await ws.cli(['ingest', SEED])).code).toBe(0);
    for (const r of READERS) expect((await ws.cli(['subscribers', 'add', r])).code).toBe(0);
    expect((await ws.cli(['send'])).stdout).toMatch(new RegExp(`${READERS.length} sent, 0 failed`)); // to the outbox
    app = await createApp(loadConfig(ws.env, ws.dir), silentLog);
    http = new Hono();
    // As createHttpApp mounts them, with the SNS certificate served from here.
    webhookRoutes(http, app, { record: async (events) => void (await recordEvents(app.bounces, events)) }, { fetchCertificate: async () => key.certPem });
  });
  afterAll(async () => {
    await app?.close();
    ws?.cleanup();
  });

  it('a request that fails verification changes nothing', async () => {
    const before = storeState();
    for (const kind of ['hard', 'complaint', 'refusal'] as const) {
      const res = await send(provider.forged(kind, 'ada@example.org', `forged-${kind}`));
      expect(res.status, kind).toBeGreaterThanOrEqual(400);
      expect(res.status, kind).toBeLessThan(500);
    }
    expect(storeState()).toEqual(before);
  });

  it('a verified hard bounce and a verified complaint suppress the readers they name', async () => {
    expect((await report('hard', 'ada@example.org')).status).toBe(200);
    expect((await report('complaint', 'bob@example.org')).status).toBe(200);
    expect(readerStatus()).toMatchObject({ 'ada@example.org': 'suppressed', 'bob@example.org': 'suppressed', 'cy@example.org': 'active' });
  });

  it('a verified report about an address not on the list is unmatched: listed for the operator, no address kept, nobody touched', async () => {
    const before = readerStatus();
    expect((await report('hard', 'stranger@example.net')).status).toBe(200);
    expect((await report('complaint', 'stranger@example.net')).status).toBe(200);
    expect(readerStatus()).toEqual(before);
    const unmatched = ws.rows<Record<string, unknown>>('select * from events where subscriber_id is null');
    expect(unmatched).toHaveLength(2);
    expect(JSON.stringify(unmatched)).not.toContain('stranger');
    const d = await deliverability();
    expect(d.unmatched).toMatchObject({ count: 2 });
    expect(d.unmatched.last).toEqual(expect.arrayContaining([expect.objectContaining({ domain: 'example.net', type: 'hard-bounce', source: provider.name })]));
  });

  it('verified refusals of the sender: one reader three times, then a second, pause nothing; a third distinct reader pauses gmail.com', async () => {
    for (let i = 0; i < 3; i++) expect((await report('refusal', 'g1@gmail.com')).status).toBe(200);
    expect((await report('refusal', 'g2@gmail.com')).status).toBe(200);
    expect(pauses()).toEqual([]);
    expect((await report('refusal', 'g3@gmail.com')).status).toBe(200);
    expect(pauses()).toEqual(['gmail.com']);
    expect(readerStatus()).toMatchObject({ 'g1@gmail.com': 'active', 'g2@gmail.com': 'active', 'g3@gmail.com': 'active' });
  });
});
