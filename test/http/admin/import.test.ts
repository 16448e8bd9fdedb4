import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_IMPORT_BYTES } from '../../../src/http/security.js';
import { forgetSubscriber } from '../../../src/subscriptions/operator.js';
import { FIXTURES } from '../../helpers/workspace.js';
import { type AdminRig, adminRig, signedInRig } from './helpers.js';

const IMPORT = '/admin/subscribers/import';

let rig: AdminRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

/** A signed-in rig, its cookie and CSRF token (closed after the test). */
async function signedIn(): Promise<{ rig: AdminRig; cookie: string; csrf: string }> {
  const signed = await signedInRig();
  rig = signed.rig;
  return signed;
}

/** A form as the import page's: the CSRF token (unless undefined), a file and/or pasted lines. */
function form(csrf: string | undefined, opts: { file?: string | Uint8Array<ArrayBuffer>; name?: string; csv?: string } = {}): FormData {
  const f = new FormData();
  if (csrf !== undefined) f.set('csrf', csrf);
  f.set('file', new Blob(opts.file === undefined ? [] : [opts.file], { type: 'text/csv' }), opts.file === undefined ? '' : (opts.name ?? 'list.csv'));
  f.set('csv', opts.csv ?? '');
  return f;
}

/** Every address in the store with its state, sorted. */
async function everyone(r: AdminRig): Promise<string[]> {
  const out: string[] = [];
  for await (const s of r.app.store.iterateSubscribers()) out.push(`${s.email} ${s.status}`);
  return out.sort();
}

/** The numbers of the result page's stats, by label. */
function stats(page: string): Record<string, number> {
  return Object.fromEntries([...page.matchAll(/<div><dt>([^<]+)<\/dt><dd>(\d+)<\/dd><\/div>/g)].map((m) => [m[1], Number(m[2])]));
}
const errorsOn = (page: string) => [...page.matchAll(/<li>(line \d+: [^<]*)<\/li>/g)].map((m) => m[1]);

describe('/admin/subscribers/import without a session or token', () => {
  it('sends GET to the login form and refuses a POST, storing nothing', async () => {
    rig = await adminRig();
    const res = await rig.get(IMPORT);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/admin/login');
    const post = await rig.postMultipart(IMPORT, form('x', { file: 'email\ngrace@example.org\n' }));
    expect(post.status).toBe(403);
    expect(await everyone(rig)).toEqual(['ada@example.org active']);
  });

  it('refuses a missing or wrong CSRF token with 403, storing nothing', async () => {
    const { rig, cookie, csrf } = await signedIn();
    const csv = 'email\ngrace@example.org\n';
    expect((await rig.postMultipart(IMPORT, form(undefined, { file: csv }), cookie)).status).toBe(403);
    expect((await rig.postMultipart(IMPORT, form(csrf.slice(1), { file: csv }), cookie)).status).toBe(403);
    expect((await rig.postMultipart(IMPORT, form(`${csrf}x`, { csv }), cookie)).status).toBe(403);
    // The urlencoded form is refused just the same.
    expect((await rig.post(IMPORT, { csv }, cookie)).status).toBe(403);
    expect(await everyone(rig)).toEqual(['ada@example.org active']);
  });
});

describe('/admin/subscribers/import', () => {
  it('shows the form: file and textarea, the columns, the consent note, the CSRF field', async () => {
    const { rig, cookie, csrf } = await signedIn();
    const res = await rig.get(IMPORT, cookie);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain(`action="${IMPORT}" enctype="multipart/form-data"`);
    expect(page).toContain('method="post"');
    expect(page).toContain('type="file" accept=".csv,text/csv,.json,application/json"');
    expect(page).toMatch(/<textarea [^>]*name="csv"/);
    expect(page).toContain(`<input type="hidden" name="csrf" value="${csrf}">`);
    expect(page).toMatch(/confirmed at once/);
    expect(page).toMatch(/not re-activated/);
    for (const column of ['email', 'status', 'topics', 'frequency', 'timezone', 'created_at']) expect(page).toContain(`<code>${column}</code>`);
    expect(page).toMatch(/never activates an unsubscribed, pending or suppressed reader/);
    expect(page).toContain('aria-current="page">Subscribers');
    // Linked from the subscribers page, beside the export.
    expect(await (await rig.get('/admin/subscribers', cookie)).text()).toContain(
      `<a href="/admin/subscribers/export.csv">Export CSV</a> <a href="${IMPORT}">Import CSV</a>`,
    );
  });

  it('imports the good rows of a file and lists each bad one by its line, as the CLI does', async () => {
    const { rig, cookie, csrf } = await signedIn();
    await rig.app.store.insertSubscribers([{ email: 'ok2@example.org', status: 'active', topics: [], frequency: 'daily', source: 'test' }]);
    const csv = readFileSync(path.join(FIXTURES, 'subscribers-mixed.csv'), 'utf8');
    const res = await rig.postMultipart(IMPORT, form(csrf, { file: csv, name: 'subscribers-mixed.csv' }), cookie);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(stats(page)).toEqual({
      'Rows read': 7,
      Added: 2,
      'Already on the list (unchanged)': 1,
      'Bad lines skipped': 3,
      'Duplicates in the file': 1,
      'Suppressed, left out': 0,
    });
    const errors = errorsOn(page);
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatch(/^line 3: invalid email address &quot;not-an-address&quot;/);
    expect(errors[1]).toMatch(/^line 5: invalid frequency &quot;monthly&quot;/);
    expect(errors[2]).toMatch(/^line 8: invalid email address .*line break/);
    expect(page).toContain('<ul class="errors">');
    expect(page).toContain('<dl class="stats">');
    expect(await everyone(rig)).toEqual(['ada@example.org active', 'ok1@example.org active', 'ok2@example.org active', 'ok4@example.org active']);
    expect((await rig.app.store.findSubscriber('ok4@example.org'))!.topics).toEqual(['nlp', 'cv']);
    expect((await rig.app.store.findSubscriber('ok1@example.org'))!.confirmedAt).toBeTruthy();

    // The CLI reads the same file to the same lines and counts.
    const cli = await rig.ws.cli(['subscribers', 'import', path.join(FIXTURES, 'subscribers-mixed.csv')]);
    expect(cli.stdout).toMatch(/0 added, 3 already on the list, 3 bad rows skipped, 1 duplicates in the file/);
    expect(cli.stderr.match(/subscribers-mixed\.csv:(\d+):/g)).toEqual(['subscribers-mixed.csv:3:', 'subscribers-mixed.csv:5:', 'subscribers-mixed.csv:8:']);
  });

  it('imports pasted lines, with topics, frequency and time zone', async () => {
    const { rig, cookie, csrf } = await signedIn();
    const csv = 'email,topics,frequency,timezone\nGrace@Example.org,nlp;cs.LG,weekly,Europe/Paris\nlin@example.org,,,\nbad@example.org,,,Mars/Olympus\n';
    const res = await rig.postMultipart(IMPORT, form(csrf, { csv }), cookie);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(stats(page)).toMatchObject({ 'Rows read': 3, Added: 2, 'Bad lines skipped': 1 });
    expect(errorsOn(page)).toEqual([expect.stringMatching(/^line 4: .*Mars\/Olympus/)]);
    expect(page).toContain('pasted CSV');
    const grace = (await rig.app.store.findSubscriber('grace@example.org'))!;
    expect(grace).toMatchObject({ status: 'active', frequency: 'weekly', topics: ['nlp', 'cs.lg'], timezone: 'Europe/Paris' });
    expect((await rig.app.store.findSubscriber('lin@example.org'))!).toMatchObject({ status: 'active', frequency: 'daily', timezone: null });
  });

  it('counts an address already on the list (in any case) and one twice in the file, changing neither', async () => {
    const { rig, cookie, csrf } = await signedIn();
    const ada = (await rig.app.store.findSubscriber('ada@example.org'))!;
    const res = await rig.postMultipart(IMPORT, form(csrf, { file: 'email,frequency\nADA@example.org,weekly\nnew@example.org,\nNew@example.org,\n' }), cookie);
    expect(res.status).toBe(200);
    expect(stats(await res.text())).toMatchObject({
      'Rows read': 3,
      Added: 1,
      'Already on the list (unchanged)': 1,
      'Duplicates in the file': 1,
      'Bad lines skipped': 0,
    });
    expect(await rig.app.store.findSubscriber('ada@example.org')).toEqual(ada);
    expect(await everyone(rig)).toEqual(['ada@example.org active', 'new@example.org active']);
  });

  it('re-activates neither a suppressed nor an unsubscribed address, and keeps an erased suppressed one out', async () => {
    const { rig, cookie, csrf } = await signedIn();
    const now = new Date('2026-11-27T09:00:00Z');
    await rig.app.store.insertSubscribers(
      ['bounced@example.org', 'gone@example.org', 'left@example.org'].map((email) => ({
        email,
        status: 'active' as const,
        topics: [],
        frequency: 'daily' as const,
        source: 'test',
      })),
    );
    for (const [email, status] of [
      ['bounced@example.org', 'suppressed'],
      ['gone@example.org', 'suppressed'],
      ['left@example.org', 'unsubscribed'],
    ] as const) {
      const s = (await rig.app.store.findSubscriber(email))!;
      await rig.app.store.setSubscriberStatus(s.id, status, now.toISOString());
    }
    await forgetSubscriber(rig.app, 'gone@example.org', now);
    const res = await rig.postMultipart(IMPORT, form(csrf, { file: 'email\nbounced@example.org\ngone@example.org\nleft@example.org\nfresh@example.org\n' }), cookie);
    expect(res.status).toBe(200);
    expect(stats(await res.text())).toEqual({
      'Rows read': 4,
      Added: 1,
      'Already on the list (unchanged)': 2,
      'Bad lines skipped': 0,
      'Duplicates in the file': 0,
      'Suppressed, left out': 1,
    });
    expect(await everyone(rig)).toEqual(['ada@example.org active', 'bounced@example.org suppressed', 'fresh@example.org active', 'left@example.org unsubscribed']);
  });

  it('keeps the state a status column gives (an export), strips the formula prefix, and reads the JSON export (issue 16)', async () => {
    const { rig, cookie, csrf } = await signedIn();
    const csv = [
      'email,status,topics,frequency,created_at,timezone',
      '"\'=1+2@example.org",unsubscribed,rl;diffusion models,weekly,2024-01-15T08:30:00.000Z,Europe/Paris',
      'waiting@example.org,pending,,daily,2024-02-15T08:30:00.000Z,',
      'bounced@example.org,suppressed,,daily,2024-03-15T08:30:00.000Z,',
      'plain@example.org,,,daily,,',
    ].join('\n');
    const res = await rig.postMultipart(IMPORT, form(csrf, { file: csv, name: 'export.csv' }), cookie);
    expect(res.status).toBe(200);
    expect(stats(await res.text())).toMatchObject({ 'Rows read': 4, Added: 4, 'Bad lines skipped': 0 });
    expect(await everyone(rig)).toEqual([
      '=1+2@example.org unsubscribed',
      'ada@example.org active',
      'bounced@example.org suppressed',
      'plain@example.org active',
      'waiting@example.org pending',
    ]);
    const formula = (await rig.app.store.findSubscriber('=1+2@example.org'))!;
    expect(formula).toMatchObject({
      topics: ['rl', 'diffusion models'],
      frequency: 'weekly',
      createdAt: '2024-01-15T08:30:00.000Z',
      timezone: 'Europe/Paris',
      confirmedAt: null,
    });
    // The page's own export writes those rows back as they were imported.
    const exported = await (await rig.get('/admin/subscribers/export.csv', cookie)).text();
    expect(exported.split('\n').filter((l) => !l.startsWith('ada@') && !l.startsWith('plain@'))).toEqual([
      ...csv.split('\n').filter((l) => !l.startsWith('plain@')),
      '',
    ]);

    const json = JSON.stringify([
      { email: 'json@example.org', status: 'unsubscribed', topics: ['nlp'], frequency: 'weekly', timezone: null, created_at: '2024-04-01T00:00:00.000Z' },
    ]);
    const fromJson = await rig.postMultipart(IMPORT, form(csrf, { file: json, name: 'export.json' }), cookie);
    expect(stats(await fromJson.text())).toMatchObject({ Added: 1, 'Bad lines skipped': 0 });
    expect(await rig.app.store.findSubscriber('json@example.org')).toMatchObject({ status: 'unsubscribed', topics: ['nlp'], createdAt: '2024-04-01T00:00:00.000Z' });
  });

  it('refuses an empty form, an empty file, a file without an email column, binary data and both inputs at once: 400 beside the form, nothing stored', async () => {
    const { rig, cookie, csrf } = await signedIn();
    const cases: [FormData, RegExp][] = [
      [form(csrf), /Choose a CSV file or paste its lines/],
      [form(csrf, { file: '' }), /Choose a CSV file or paste its lines/],
      [form(csrf, { csv: '  \n\n' }), /Choose a CSV file or paste its lines/],
      [form(csrf, { file: 'name,topics\nGrace,nlp\nextra@example.org,ai\n' }), /list\.csv:1: expected a header row with an &quot;email&quot; column/],
      [form(csrf, { file: 'address\n' }), /expected a header row with an &quot;email&quot; column/],
      [
        form(csrf, { file: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]), name: 'photo.png' }),
        /photo\.png is not a CSV text file/,
      ],
      [form(csrf, { file: 'email\n"unclosed@example.org\n' }), /not a readable CSV file/],
      [form(csrf, { file: 'email\na@example.org\n', csv: 'email\nb@example.org\n' }), /not both/],
    ];
    for (const [body, error] of cases) {
      const res = await rig.postMultipart(IMPORT, body, cookie);
      expect(res.status).toBe(400);
      const page = await res.text();
      const alert = /<p class="notice warn" role="alert">([^<]*)<\/p>/.exec(page)?.[1];
      expect(alert).toMatch(error);
      expect(alert).not.toContain('\n');
      expect(page).toContain(`action="${IMPORT}"`);
      expect(page).toContain(`name="csrf" value="${csrf}"`);
    }
    expect(await everyone(rig)).toEqual(['ada@example.org active']);
  });

  it('keeps pasted lines in the textarea, escaped, when they are refused', async () => {
    const { rig, cookie, csrf } = await signedIn();
    const res = await rig.postMultipart(IMPORT, form(csrf, { csv: 'who\n</textarea><script>alert(1)</script>\n' }), cookie);
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(page).not.toContain('<script>');
    expect(page).toContain('&lt;/textarea&gt;&lt;script&gt;');
  });

  it('refuses a file just over the size limit, storing nothing; one at the limit is read', async () => {
    const { rig, cookie, csrf } = await signedIn();
    const head = 'email\nbig@example.org\n';
    const over = `${head}${'x'.repeat(MAX_IMPORT_BYTES + 1 - head.length)}`;
    const res = await rig.postMultipart(IMPORT, form(csrf, { file: over }), cookie);
    // Within the body limit's room for the envelope: 400 beside the form.
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/<p class="notice warn" role="alert">That CSV is too large: an import takes at most 20 MB\. Nothing was imported\.<\/p>/);
    // Far over: the body limit refuses before anything is read.
    const huge = await rig.postMultipart(IMPORT, form(csrf, { file: `${over}${'x'.repeat(200 * 1024)}` }), cookie);
    expect(huge.status).toBe(413);
    expect(await everyone(rig)).toEqual(['ada@example.org active']);
    // At the limit exactly: read (the padding is one bad line at the end).
    const at = `${head}${'x'.repeat(MAX_IMPORT_BYTES - head.length)}`;
    const ok = await rig.postMultipart(IMPORT, form(csrf, { file: at }), cookie);
    expect(ok.status).toBe(200);
    expect(stats(await ok.text())).toMatchObject({ Added: 1, 'Bad lines skipped': 1 });
    expect(await everyone(rig)).toEqual(['ada@example.org active', 'big@example.org active']);
  }, 60_000);

  it('reads a streamed upload (no Content-Length) within the limit', async () => {
    const { rig, cookie, csrf } = await signedIn();
    const encoded = new Request('http://localhost/', { method: 'POST', body: form(csrf, { file: `email\nstream@example.org\n${'#'.repeat(40_000)}\n` }) });
    const res = await rig.http.request(
      IMPORT,
      {
        method: 'POST',
        headers: { 'content-type': encoded.headers.get('content-type')!, origin: rig.origin, cookie },
        body: encoded.body,
        duplex: 'half',
      } as RequestInit,
      { incoming: { socket: { remoteAddress: '203.0.113.7' } } },
    );
    expect(res.status).toBe(200);
    expect(stats(await res.text())).toMatchObject({ Added: 1, 'Bad lines skipped': 1 });
    expect(await rig.app.store.findSubscriber('stream@example.org')).toBeDefined();
  });

  it('keeps the 16 KB limit on every other admin POST', async () => {
    const { rig, cookie, csrf } = await signedIn();
    const res = await rig.post('/admin/subscribers/add', { csrf, email: 'grace@example.org', topics: 'x'.repeat(40_000) }, cookie);
    expect(res.status).toBe(413);
    const f = form(csrf, { file: `email\n${'x'.repeat(40_000)}\n` });
    expect((await rig.postMultipart('/admin/subscribers/import/', f, cookie)).status).toBe(413);
    expect((await rig.postMultipart('/admin/subscribers/add', f, cookie)).status).toBe(413);
    expect(await rig.app.store.findSubscriber('grace@example.org')).toBeUndefined();
  });

  it('escapes HTML from a bad line in the report', async () => {
    const { rig, cookie, csrf } = await signedIn();
    const res = await rig.postMultipart(IMPORT, form(csrf, { file: 'email\n<script>@x\nok@example.org\n', name: '<b>evil</b>.csv' }), cookie);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).not.toContain('<script>');
    expect(page).not.toContain('<b>evil');
    expect(page).toContain('&lt;script&gt;@x');
    expect(errorsOn(page)).toEqual([expect.stringMatching(/^line 2: .*&lt;script&gt;@x/)]);
    expect(await everyone(rig)).toEqual(['ada@example.org active', 'ok@example.org active']);
  });
});
