import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Workspace, workspace } from '../helpers/workspace.js';
import { type Lab, PASS, USER, startLab } from './setup.js';

let lab: Lab;
let ws: Workspace;
beforeAll(async () => {
  lab = await startLab();
});
afterAll(() => lab?.close());
beforeEach(() => {
  lab.resetZone();
  ws = workspace(lab.env);
});
afterEach(() => ws?.cleanup());

/** A set-up with several things wrong at once. */
function breakIt(): Record<string, string> {
  delete lab.zone['paperboy._domainkey.example.org'];
  lab.zone['_dmarc.example.org']!.TXT = ['v=DMARC1; p=none'];
  delete lab.zone['bounces.example.org']!.MX;
  return {
    SMTP_URL: `smtp://${USER}:${PASS}@mail.example.org:${lab.smtp.plain}`,
    PUBLIC_URL: `http://news.example.org:${lab.web.http}`,
  };
}

describe('paperboy doctor (the command)', () => {
  it('exits 0 and prints a checklist of ✓ when the set-up is right', async () => {
    const r = await ws.cli(['doctor', '--ca-file', lab.certFile, '--timeout', '5']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('✓ '))).toHaveLength(13);
    expect(lines.at(-1)).toBe('No check failed: 13 ✓, 0 warnings, 0 skipped.');
  });

  it('explains a broken set-up line by line, with a fix under each failing line, and exits 1', async () => {
    const r = await ws.cli(['doctor', '--ca-file', lab.certFile], breakIt());
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('paperboy: error: doctor: 4 checks failed (the fixes are above)\n');
    const out = r.stdout;
    expect(out).toMatch(/^✗ DKIM: no DKIM key record at paperboy\._domainkey\.example\.org/m);
    expect(out).toMatch(/^ {6}paperboy\._domainkey\.example\.org\. IN TXT "v=DKIM1; k=rsa; p=MII/m);
    expect(out).toMatch(/^! DMARC: _dmarc\.example\.org: p=none/m);
    expect(out).toMatch(/^✗ Bounce MX: bounces\.example\.org has no MX record/m);
    expect(out).toMatch(/^✗ SMTP TLS: mail\.example\.org does not offer STARTTLS/m);
    expect(out).toMatch(/^– SMTP AUTH: /m);
    expect(out).toMatch(/^✗ PUBLIC_URL: http:\/\/news\.example\.org:\d+ is http/m);
    expect(out).toMatch(/^✓ Unsubscribe endpoint: /m);
    expect(out.match(/^ {4}fix: /gm)).toHaveLength(5);
    expect(out).not.toContain(PASS);
  });

  it('--json: the same checks for a program, the same exit code', async () => {
    const r = await ws.cli(['doctor', '--json', '--ca-file', lab.certFile], breakIt());
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { ok: boolean; checks: { id: string; status: string; publish?: { name: string } }[] };
    expect(report.ok).toBe(false);
    expect(report.checks.filter((c) => c.status === 'fail').map((c) => c.id)).toEqual(['dkim', 'bounce-mx', 'smtp-tls', 'public-url']);
    expect(report.checks.find((c) => c.id === 'dkim')!.publish!.name).toBe('paperboy._domainkey.example.org');
    expect(r.stdout).not.toContain(PASS);

    lab.resetZone();
    const good = await ws.cli(['doctor', '--json', '--ca-file', lab.certFile]);
    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ ok: true });
  });

  it('refuses a bad --timeout and an unreadable --ca-file before checking anything', async () => {
    const asked = lab.dns.queries.length;
    expect((await ws.cli(['doctor', '--timeout', 'soon'])).code).toBe(64);
    const r = await ws.cli(['doctor', '--ca-file', 'missing.pem']);
    expect(r.code).toBe(66);
    expect(r.stderr).toContain('cannot read --ca-file');
    expect(lab.dns.queries.length).toBe(asked);
  });
});
