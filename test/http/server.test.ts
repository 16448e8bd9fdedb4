import { afterEach, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createHttpApp } from '../../src/http/server.js';
import { silentLog } from '../../src/log.js';
import { type Workspace, workspace } from '../helpers/workspace.js';

let ws: Workspace;
let app: App;
afterEach(async () => {
  await app?.close();
  ws?.cleanup();
});

async function setUp() {
  ws = workspace();
  await ws.cli(['subscribers', 'add', 'ada@example.org']);
  app = await createApp(loadConfig(ws.env, ws.dir), silentLog);
  const ada = (await app.store.findSubscriber('ada@example.org'))!;
  return { http: createHttpApp(app), ada, token: app.tokens.sign('unsubscribe', ada.id) };
}

describe('one-click unsubscribe', () => {
  it('GET shows a confirmation form and changes nothing', async () => {
    const { http, ada, token } = await setUp();
    const res = await http.request(`/unsubscribe/${token}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<form method="post">');
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
