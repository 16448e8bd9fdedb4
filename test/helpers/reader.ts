/**
 * The reader's side of the site in-process, as `test/http/admin/helpers.ts` is the operator's: a
 * workspace and its store, the app on a clock the test moves, the HTTP routes, an SMTP server
 * that receives the confirmation and welcome emails (or the outbox), a reader already on the list
 * with the tokens of their links, and a browser's way to post the site's forms (the CSRF cookie
 * and token, a same-origin Origin, a client address).
 */
import type { Hono } from 'hono';
import { type App, createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { Subscriber } from '../../src/domain.js';
import { createHttpApp } from '../../src/http/server.js';
import { type Log, silentLog } from '../../src/log.js';
import { type FormSession, formSession } from './forms.js';
import { type TestSmtp, startSmtp } from './smtp.js';
import { type Workspace, workspace } from './workspace.js';

/** Where the rig's clock starts (the admin rig's too). */
export const RIG_START = '2026-11-27T09:00:00Z';

/** The client address forms come from unless a test says otherwise. */
export const READER_IP = '203.0.113.7';

/** How to build the rig: more configuration, SMTP or the outbox, a reader on the list, the log, the clock. */
export interface ReaderRigOptions {
  /** More configuration (added to the workspace's). */
  env?: Record<string, string>;
  /** Send through an in-process SMTP server (the default), or, false, into the outbox folder. */
  smtp?: boolean;
  /**
   * A reader the operator adds with `paperboy subscribers add` before the app opens (so active):
   * their address, or the command's arguments after `add`.
   */
  reader?: string | string[];
  /** The app's log (default: silent). */
  log?: Log;
  /** The app's clock: a fake one from {@link RIG_START} that `advance` moves (the default), or the real one. */
  clock?: 'fake' | 'real';
}

/** The rig: the parts, the reader and their tokens, and a browser's ways to use the forms. */
export interface ReaderRig {
  ws: Workspace;
  app: App;
  http: Hono;
  /** The SMTP server the app sends through; undefined with `smtp: false`. */
  smtp: TestSmtp | undefined;
  /** The site's public origin, which a browser on its pages sends as Origin. */
  origin: string;
  /** The reader added with `reader` (read from the store once the app opened). */
  reader: Subscriber;
  /** The reader's unsubscribe and preferences tokens. */
  tokens: { unsubscribe: string; preferences: string };
  /** Moves the fake clock forward. */
  advance(ms: number): void;
  /** A browser that opens `path` (default `/`): its CSRF cookie and token, and `post()` with them. */
  form(path?: string, ip?: string): Promise<FormSession>;
  /** Fills in the landing page's form from `ip` and waits for the email it sends: the answer and its page. */
  subscribe(fields: Record<string, string>, ip?: string): Promise<{ res: Response; text: string }>;
  /** Every subscriber in the store, for "nothing changed" checks. */
  subscribers(): Promise<Subscriber[]>;
  close(): Promise<void>;
}

/** Builds the rig; close it in `afterEach`. */
export async function readerRig(opts: ReaderRigOptions = {}): Promise<ReaderRig> {
  const ws = workspace();
  let smtp: TestSmtp | undefined;
  let app: App | undefined;
  try {
    smtp = opts.smtp === false ? undefined : await startSmtp();
    if (opts.reader) {
      const added = await ws.cli(['subscribers', 'add', ...[opts.reader].flat()]);
      if (added.code !== 0) throw new Error(`subscribers add: ${added.stderr}`);
    }
    let clock = new Date(RIG_START);
    const env = { ...ws.env, ...(smtp ? { SMTP_URL: smtp.url } : {}), ...opts.env };
    app = await createApp(loadConfig(env, ws.dir), opts.log ?? silentLog, opts.clock === 'real' ? {} : { now: () => clock });
    const email = opts.reader ? [opts.reader].flat()[0]! : undefined;
    const reader = email ? await app.store.findSubscriber(email) : undefined;
    return rig(ws, app, smtp, reader, (ms) => void (clock = new Date(clock.getTime() + ms)));
  } catch (err) {
    await app?.close();
    await smtp?.close();
    ws.cleanup();
    throw err;
  }
}

function rig(ws: Workspace, app: App, smtp: TestSmtp | undefined, reader: Subscriber | undefined, advance: (ms: number) => void): ReaderRig {
  const http = createHttpApp(app);
  const origin = app.config.PUBLIC_URL;
  const theReader = () => {
    if (!reader) throw new Error('the rig has no reader: pass { reader }');
    return reader;
  };
  return {
    ws,
    app,
    http,
    smtp,
    origin,
    get reader() {
      return theReader();
    },
    get tokens() {
      const { id } = theReader();
      return { unsubscribe: app.tokens.sign('unsubscribe', id), preferences: app.tokens.sign('preferences', id) };
    },
    advance,
    form: (path = '/', ip = READER_IP) => formSession(http, path, origin, ip),
    async subscribe(fields, ip = READER_IP) {
      const form = await formSession(http, '/', origin, ip);
      const res = await form.post('/subscribe', fields);
      await app.idle();
      return { res, text: await res.text() };
    },
    async subscribers() {
      const all: Subscriber[] = [];
      for await (const s of app.store.iterateSubscribers()) all.push(s);
      return all;
    },
    async close() {
      await app.close();
      await smtp?.close();
      ws.cleanup();
    },
  };
}
