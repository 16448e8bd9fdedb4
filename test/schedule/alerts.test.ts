/**
 * Alerts to the operator: one email when a source has failed ALERT_AFTER_FAILURES runs in a row
 * or an issue paused, nothing more while it lasts (no storm), one "resolved" email when it
 * clears, and a new alert when it happens again. Real SMTP server in-process (read back with
 * mailparser), a local HTTP server whose source dies and recovers, real SQLite; only the clock
 * is fixed.
 */
import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLog } from '../../src/log.js';
import { runTick } from '../../src/schedule/scheduler.js';
import { type TestHttp, startHttp } from '../helpers/http.js';
import { type TestSmtp, firstAddress, reply, startSmtp } from '../helpers/smtp.js';
import { type Workspace, workspace } from '../helpers/workspace.js';
import { SEED } from '../helpers/workspace.js';

let http: TestHttp;
let ws: Workspace;
let smtp: TestSmtp | undefined;
let feedUp = false;
beforeAll(async () => {
  http = await startHttp({
    '/feed': (_req, res) =>
      feedUp
        ? res.writeHead(200, { 'content-type': 'text/plain' }).end(readFileSync(SEED))
        : res.writeHead(503, { 'content-type': 'text/plain' }).end('down for maintenance'),
  });
});
afterAll(() => http.close());
afterEach(async () => {
  ws?.cleanup();
  await smtp?.close();
  smtp = undefined;
  feedUp = false;
});

const OPS = 'ops@example.org';

/** Runs one tick a day later each time, with a real app on the workspace; returns its log. */
function ticker(env: Record<string, string>) {
  let t = Date.parse('2026-03-17T08:00:00Z');
  return async (): Promise<string> => {
    let log = '';
    const now = () => new Date(t);
    const app = await createApp(
      loadConfig({ ...ws.env, ...env }, ws.dir),
      createLog((l) => void (log += l)),
      { now },
    );
    try {
      await runTick(app);
    } finally {
      await app.close();
      t += 24 * 3600_000;
    }
    return log;
  };
}

const toOps = () => smtp!.received.filter((m) => m.envelope.to.includes(OPS));

describe('alerts for a source that keeps failing', () => {
  it('emails once at the 3rd failed run, never during the streak, "resolved" once it works, and again on a new streak', async () => {
    smtp = await startSmtp();
    const feed = http.url('/feed');
    ws = workspace({ SMTP_URL: smtp.url, DIGEST_SOURCE: feed, FETCH_RETRIES: '0', OPERATOR_EMAIL: OPS, ALERT_AFTER_FAILURES: '3' });
    const tick = ticker({});

    await tick();
    await tick();
    expect(toOps()).toHaveLength(0);
    const third = await tick();
    expect(toOps()).toHaveLength(1);
    expect(third).toMatch(new RegExp(`^warning: alert: source failing: ${feed.replace(/[.]/g, '\\.')}: .*503.*; emailing OPERATOR_EMAIL$`, 'm'));
    expect(third).not.toContain(OPS);

    const mail = toOps()[0]!.parsed;
    expect(mail.subject).toBe(`Paperboy alert: source failing: ${feed}`);
    expect(firstAddress(mail.to)).toBe(OPS);
    expect(firstAddress(mail.from)).toBe('digest@example.org');
    expect(mail.text).toContain(`What happened: The source ${feed} failed in the last 3 scheduler runs in a row`);
    expect(mail.text).toContain('Since: 2026-03-17 08:00 UTC (first failure in a row); it never succeeded');
    expect(mail.text).toMatch(/Last error: .*HTTP 503/);
    expect(mail.text).toContain(`What to do: Check that the source is reachable and well formed: \`npx paperboy ingest ${feed}\``);
    expect(mail.html).toContain('<strong>What to do:</strong>');

    const status = JSON.parse((await ws.cli(['status', '--json'])).stdout);
    expect(status.alerts.open).toEqual([
      expect.objectContaining({
        key: `source:${feed}`,
        subject: `source failing: ${feed}`,
        openedAt: '2026-03-19T08:00:00.000Z',
        alertedAt: '2026-03-19T08:00:00.000Z',
        clearedAt: null,
      }),
    ]);
    expect(status.alerts.email).toBe(true);
    expect((await ws.cli(['status'])).stdout).toMatch(
      /^Alerts: 1 open \(emailed to OPERATOR_EMAIL; a source alerts after 3 failed runs in a row\)\n {2}source failing: .* \(since 2026-03-19 08:00 UTC; emailed 2026-03-19 08:00 UTC\)$/m,
    );

    for (let i = 4; i <= 6; i++) {
      const log = await tick();
      expect(log).not.toMatch(/alert/);
    }
    expect(toOps()).toHaveLength(1);

    feedUp = true;
    const recovered = await tick();
    expect(recovered).toMatch(/^alert cleared: source failing: /m);
    expect(toOps()).toHaveLength(2);
    expect(toOps()[1]!.parsed.subject).toBe(`Paperboy alert resolved: source ${feed} works again`);
    const cleared = JSON.parse((await ws.cli(['status', '--json'])).stdout);
    expect(cleared.alerts.open).toEqual([]);
    expect(cleared.sources[0]).toMatchObject({
      state: 'ok',
      consecutiveFailures: 0,
      lastSuccessAt: '2026-03-23T08:00:00.000Z',
      lastFailureAt: '2026-03-22T08:00:00.000Z',
    });

    feedUp = false;
    await tick();
    await tick();
    expect(toOps()).toHaveLength(2);
    await tick();
    expect(toOps()).toHaveLength(3);
    expect(toOps()[2]!.parsed.subject).toBe(`Paperboy alert: source failing: ${feed}`);
    expect(toOps()[2]!.parsed.text).toContain('Since: 2026-03-24 08:00 UTC (first failure in a row); last success 2026-03-23 08:00 UTC');
  });

  it('without OPERATOR_EMAIL it is one warning in the log, once; status shows it open', async () => {
    const feed = http.url('/feed');
    ws = workspace({ DIGEST_SOURCE: `${feed},${SEED}`, FETCH_RETRIES: '0', ALERT_AFTER_FAILURES: '2' });
    const tick = ticker({});
    const logs = [await tick(), await tick(), await tick(), await tick()];
    expect(logs.map((l) => (l.match(/^warning: alert: /gm) ?? []).length)).toEqual([0, 1, 0, 0]);
    expect(logs[1]).toMatch(/warning: alert: source failing: .*\(set OPERATOR_EMAIL to get alerts by email\)$/m);
    const outbox = await readdir(path.join(ws.dir, 'outbox')).catch(() => []);
    expect(outbox.filter((f) => f.startsWith('alert'))).toEqual([]);
    expect((await ws.cli(['status'])).stdout).toMatch(/^Alerts: 1 open \(log only: OPERATOR_EMAIL is unset; .*\n {2}source failing: .*not emailed\)$/m);
  });

  it('goes to the outbox folder when there is no SMTP server, like every other message', async () => {
    ws = workspace({ DIGEST_SOURCE: http.url('/feed'), FETCH_RETRIES: '0', OPERATOR_EMAIL: OPS, ALERT_AFTER_FAILURES: '1' });
    await ticker({})();
    const files = (await readdir(path.join(ws.dir, 'outbox'))).filter((f) => f.startsWith('alert-'));
    expect(files).toHaveLength(1);
    const eml = readFileSync(path.join(ws.dir, 'outbox', files[0]!), 'utf8');
    expect(eml).toMatch(/^Subject: Paperboy alert: source failing: http:\/\/127\.0\.0\.1:\d+\/feed/m);
    expect(eml).toMatch(/^To: ops@example\.org/m);
  });

  it('an alert email that fails to send does not break the tick, and is tried again at the next run', async () => {
    let refuse = true;
    smtp = await startSmtp({ onRcpt: (address) => (address === OPS && refuse ? reply(451, '4.3.0 try again later') : undefined) });
    ws = workspace({ SMTP_URL: smtp.url, OPERATOR_EMAIL: OPS, DIGEST_SOURCE: `${http.url('/feed')},${SEED}`, FETCH_RETRIES: '0', ALERT_AFTER_FAILURES: '1' });
    await ws.cli(['subscribers', 'add', 'ada@example.org']);
    const tick = ticker({});
    const first = await tick();
    expect(first).toMatch(/^error: alert email failed \(tried again at the next run\): /m);
    expect(smtp.received.filter((m) => m.envelope.to.includes('ada@example.org'))).toHaveLength(1); // the tick went on
    refuse = false;
    await tick();
    expect(toOps()).toHaveLength(1);
    await tick();
    expect(toOps()).toHaveLength(1);
  });
});

describe('alerts for a paused issue', () => {
  it('emails once while the issue stays paused, and "resolved" once it goes out', async () => {
    let down = true;
    smtp = await startSmtp({ onRcpt: (address) => (address !== OPS && down ? reply(421, '4.3.2 Service shutting down') : undefined) });
    ws = workspace({ SMTP_URL: smtp.url, OPERATOR_EMAIL: OPS });
    await ws.cli(['subscribers', 'add', 'ada@example.org']);
    const tick = ticker({});

    const first = await tick();
    expect(first).toMatch(/^warning: alert: issue #1 \(daily\) paused: SMTP server closing the connection: 421 /m);
    expect(toOps()).toHaveLength(1);
    const mail = toOps()[0]!.parsed;
    expect(mail.subject).toBe('Paperboy alert: issue #1 (daily) paused');
    expect(mail.text).toMatch(/Last error: SMTP server closing the connection: 421/);
    expect(mail.text).toContain('run `npx paperboy send` to resume');

    await tick(); // resumed, paused again: no second email
    await tick();
    expect(toOps()).toHaveLength(1);

    down = false;
    const resumed = await tick();
    expect(resumed).toMatch(/^alert cleared: issue #1 \(daily\) paused$/m);
    expect(smtp.received.filter((m) => m.envelope.to.includes('ada@example.org'))).toHaveLength(1);
    expect(toOps().map((m) => m.parsed.subject)).toEqual(['Paperboy alert: issue #1 (daily) paused', 'Paperboy alert resolved: issue #1 (daily) no longer paused']);
    const status = JSON.parse((await ws.cli(['status', '--json'])).stdout);
    expect(status.alerts.open).toEqual([]);
  });
});

describe('alerts for a recipient domain that refused the sender', () => {
  it('emails once when a domain refuses the sender (the readers stay subscribed), and "resolved" once the pause is over', async () => {
    let refusing = true;
    smtp = await startSmtp({
      onRcpt: (address) =>
        refusing && address.endsWith('@strict.example')
          ? reply(550, "5.7.26 Unauthenticated email from example.org is not accepted due to domain's DMARC policy")
          : undefined,
    });
    ws = workspace({ SMTP_URL: smtp.url, OPERATOR_EMAIL: OPS, SMTP_POOL: '1' });
    for (const a of ['ada@example.org', 'bo@strict.example', 'cy@strict.example']) await ws.cli(['subscribers', 'add', a]);
    const tick = ticker({});

    const first = await tick();
    expect(first).toMatch(/strict\.example refused the sender .*5\.7\.26/);
    expect(first).toMatch(/^warning: alert: strict\.example refused the sender: /m);
    expect(toOps().map((m) => m.parsed.subject)).toEqual(['Paperboy alert: strict.example refused the sender']);
    expect(toOps()[0]!.parsed.text).toContain('paperboy doctor');
    const status = JSON.parse((await ws.cli(['status', '--json'])).stdout);
    expect(status.subscribers).toMatchObject({ active: 3, suppressed: 0 });
    expect(status.alerts.open.map((a: { key: string }) => a.key)).toEqual(['domain-paused:strict.example']);

    // A day later the pause is over (DMARC fixed): cy, held back unattempted, gets the issue; the alert resolves.
    refusing = false;
    const next = await tick();
    expect(next).toMatch(/^alert cleared: strict\.example refused the sender$/m);
    expect(smtp.received.filter((m) => m.envelope.to.includes('cy@strict.example'))).toHaveLength(1);
    expect(toOps().map((m) => m.parsed.subject)).toEqual([
      'Paperboy alert: strict.example refused the sender',
      'Paperboy alert resolved: sending to strict.example resumed (the pause ended)',
    ]);
  });
});
