import { afterEach, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createHttpApp } from '../../src/http/server.js';
import { silentLog } from '../../src/log.js';
import { formSession } from '../helpers/forms.js';
import { type ReaderRig, readerRig } from '../helpers/reader.js';
import { SEED, type Workspace, workspace } from '../helpers/workspace.js';

let rig: ReaderRig | undefined;
let ws: Workspace;
let app: App;
afterEach(async () => {
  // The archive's test builds its own app (after a send); the others have the rig's.
  if (rig) await rig.close();
  else {
    await app?.close();
    ws?.cleanup();
  }
  rig = undefined;
});

async function setUp() {
  rig = await readerRig({ reader: 'ada@example.org', smtp: false, clock: 'real' });
  ({ ws, app } = rig);
  return { http: rig.http, ada: rig.reader, token: rig.tokens.unsubscribe };
}

describe('one-click unsubscribe', () => {
  it('GET shows a confirmation form and changes nothing', async () => {
    const { http, ada, token } = await setUp();
    const res = await http.request(`/unsubscribe/${token}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<form class="card" method="post">');
    expect((await app.store.getSubscriber(ada.id))!.status).toBe('active');
  });

  it('POST (RFC 8058 one-click) unsubscribes and answers 200 without a redirect', async () => {
    const { http, ada, token } = await setUp();
    const res = await http.request(`/unsubscribe/${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('You are unsubscribed');
    expect((await app.store.getSubscriber(ada.id))!.status).toBe('unsubscribed');
    expect((await http.request(`/unsubscribe/${token}`, { method: 'POST' })).status).toBe(200);
  });

  it('a forged or truncated token gets 400 and changes nothing', async () => {
    const { http, ada, token } = await setUp();
    const forged = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    for (const t of [forged, token.slice(1), 'x', app.tokens.sign('preferences', ada.id)]) {
      expect((await http.request(`/unsubscribe/${t}`, { method: 'POST' })).status).toBe(400);
    }
    expect((await app.store.getSubscriber(ada.id))!.status).toBe('active');
  });

  it('answers the health check', async () => {
    const { http } = await setUp();
    expect(await (await http.request('/healthz')).json()).toEqual({ ok: true });
  });
});

describe('preferences', () => {
  it('GET shows the current choice; POST saves frequency and topics', async () => {
    const { http, ada } = await setUp();
    const token = app.tokens.sign('preferences', ada.id);
    const form = await formSession(http, `/preferences/${token}`, app.config.PUBLIC_URL);
    expect(form.html).toContain('value="daily" checked');
    expect((await form.post(`/preferences/${token}`, { frequency: 'weekly', topics: 'cs.CL' }, { csrf: false })).status).toBe(403);
    expect(await app.store.getSubscriber(ada.id)).toMatchObject({ frequency: 'daily', topics: [] });
    const res = await form.post(`/preferences/${token}`, { frequency: 'weekly', topics: 'cs.CL, cs.AI' });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Saved.');
    expect(await app.store.getSubscriber(ada.id)).toMatchObject({ frequency: 'weekly', topics: ['cs.cl', 'cs.ai'] });
  });

  it('refuses a bad value with 400 and changes nothing; a forged token gets 400', async () => {
    const { http, ada } = await setUp();
    const token = app.tokens.sign('preferences', ada.id);
    const form = await formSession(http, `/preferences/${token}`, app.config.PUBLIC_URL);
    const post = (t: string, body: string) => form.post(`/preferences/${t}`, Object.fromEntries(new URLSearchParams(body)));
    const bad = await post(token, 'frequency=hourly');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('invalid frequency &quot;hourly&quot;');
    expect((await post(app.tokens.sign('unsubscribe', ada.id), 'frequency=weekly')).status).toBe(400);
    expect(await app.store.getSubscriber(ada.id)).toMatchObject({ frequency: 'daily', topics: [] });
  });
});

describe('the archive', () => {
  it('lists issues and shows each one without anybody’s personal links', async () => {
    ws = workspace();
    await ws.cli(['subscribers', 'add', 'ada@example.org']);
    await ws.cli(['ingest', SEED]);
    expect((await ws.cli(['send'])).code).toBe(0);
    app = await createApp(loadConfig(ws.env, ws.dir), silentLog);
    const web = createHttpApp(app);
    const index = await (await web.request('/archive')).text();
    expect(index).toContain('href="https://news.example.org/archive/1"');
    const issue = await web.request('/archive/1');
    expect(issue.status).toBe(200);
    const body = await issue.text();
    expect(body).toContain('X-LLM: Bootstrapping Advanced Large Language Models');
    expect(body).not.toMatch(/\/unsubscribe\/|\/preferences\//);
    expect((await web.request('/archive/999')).status).toBe(404);
    expect((await web.request('/archive/abc')).status).toBe(404);
  });
});
