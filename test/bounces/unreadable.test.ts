/**
 * Bounces that hold NUL or control characters, and bounces the store will not take (issue 16,
 * item 6, bounce side). A NUL in a report's Message-ID made `bounces import` exit 74 on
 * PostgreSQL (the driver refuses the string) and would have stopped the IMAP poll at that
 * message for good. Control characters are stripped before anything reaches the store, so such a
 * report is processed like any other; a report that still cannot be stored for a reason other
 * than a store outage (here: the store refuses the row, as a constraint would) is named by
 * `bounces import` with its reason while the others are processed, and moved to the unreadable
 * folder by the poll, which carries on.
 *
 * Through the real, built CLI (`npm run build` first) in a child process, with a real Dovecot for
 * the poll; on SQLite, or PostgreSQL in the PostgreSQL pass.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dsnMail, USER_UNKNOWN } from '../helpers/bounce-mail.js';
import { paperboy } from '../helpers/child.js';
import { ON_POSTGRES } from '../helpers/database.js';
import { startDovecot, type TestDovecot } from '../helpers/dovecot.js';
import { requires } from '../helpers/requires.js';
import { startSmtp, type TestSmtp } from '../helpers/smtp.js';
import { SEED, type Workspace, workspace } from '../helpers/workspace.js';

const noBuild = requires('build');
const noDovecot = requires('dovecot', { part: 'the IMAP poll' });

const BOUNCE_DOMAIN = 'bounces.example.org';
const READERS = ['n1@example.org', 'n2@example.org', 'ok@example.org', 'poisoned@example.org'];
/** C0 and C1 control characters (what must never reach the store). */
// eslint-disable-next-line no-control-regex -- the test looks for control characters
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Makes the store refuse any event whose diagnostic mentions "poison", as a constraint would. */
function poisonTrigger(ws: Workspace): void {
  if (ON_POSTGRES) {
    ws.exec(`create function refuse_poison() returns trigger language plpgsql as $$
      begin if new.diagnostic like '%poison%' then raise exception 'the store refuses this report'; end if; return new; end $$;
      create trigger refuse_poison before insert on events for each row execute function refuse_poison()`);
  } else {
    ws.exec(`create trigger refuse_poison before insert on events when new.diagnostic like '%poison%'
      begin select raise(abort, 'the store refuses this report'); end`);
  }
}

describe.skipIf(noBuild)('bounces with NUL and control characters, and bounces the store refuses', () => {
  let smtp: TestSmtp;
  let ws: Workspace;
  let dovecot: TestDovecot | undefined;

  const sentTo = (to: string) => {
    const m = smtp.received.find((r) => r.envelope.to[0] === to)!;
    return { verp: m.envelope.from, messageId: m.parsed.messageId!.replace(/^<|>$/g, '') };
  };
  const readerStatus = () =>
    Object.fromEntries(ws.rows<{ email: string; status: string }>('select email, status from subscribers order by id').map((s) => [s.email, s.status]));
  const reset = () => {
    ws.exec('delete from events');
    ws.exec("update subscribers set status = 'active'");
  };
  /** Four genuine reports (each with the reader's VERP token), two of them full of control bytes, one the store refuses. */
  const reports = (round: number) => {
    const dead = (to: string, extra: Partial<Parameters<typeof dsnMail>[0]> = {}) =>
      dsnMail({
        to: sentTo(to).verp,
        recipient: to,
        status: '5.1.1',
        diagnostic: USER_UNKNOWN(to),
        id: `r${round}.${to}@mx.receiver.example`,
        originalMessageId: sentTo(to).messageId,
        ...extra,
      });
    return [
      // A NUL in the report's own Message-ID (its external id).
      { name: 'nul-message-id', raw: dead('n1@example.org', { id: `r${round}.nul\u0000id@mx.receiver.example` }) },
      { name: 'poison', raw: dead('poisoned@example.org', { diagnostic: '550 5.1.1 poison: user unknown' }) },
      // NUL, an escape sequence and a C1 control in the diagnostic and the returned Message-ID.
      {
        name: 'control-fields',
        raw: dead('n2@example.org', {
          diagnostic: `550 5.1.1 user\u0000 unknown \u001b[31mred\u001b[0m \u0085`,
          originalMessageId: `${sentTo('n2@example.org').messageId}\u0000x`,
        }),
      },
      { name: 'good', raw: dead('ok@example.org') },
    ];
  };

  beforeAll(async () => {
    smtp = await startSmtp();
    ws = workspace({ SMTP_URL: smtp.url, BOUNCE_DOMAIN });
    expect((await ws.cli(['ingest', SEED])).code).toBe(0);
    writeFileSync(path.join(ws.dir, 'readers.csv'), `email\n${READERS.join('\n')}\n`);
    expect((await ws.cli(['subscribers', 'import', path.join(ws.dir, 'readers.csv')])).code).toBe(0);
    expect((await ws.cli(['send'])).stdout).toMatch(/4 sent, 0 failed/);
    poisonTrigger(ws);
    if (!noDovecot) dovecot = await startDovecot({ users: { nul: 'pw-nul-s3cret' } });
  });
  afterAll(async () => {
    await smtp?.close();
    await dovecot?.stop();
    ws?.cleanup();
  });

  /** `paperboy bounces import` of `list`, written as NAME.eml files. */
  const importFiles = async (list: { name: string; raw: string }[]) => {
    const dir = path.join(ws.dir, `reports-${++imports}`);
    mkdirSync(dir);
    const files = list.map((r) => {
      const file = path.join(dir, `${r.name}.eml`);
      writeFileSync(file, r.raw, 'latin1');
      return file;
    });
    const child = paperboy(ws, ['bounces', 'import', ...files]);
    return { code: await child.exited, stdout: child.stdout(), stderr: child.stderr() };
  };
  let imports = 0;
  const noControlStored = () => {
    for (const e of ws.rows<Record<string, unknown>>('select * from events')) {
      for (const [column, value] of Object.entries(e)) expect(CONTROL.test(String(value ?? '')), `${column}: ${JSON.stringify(value)}`).toBe(false);
    }
  };

  it('bounces import processes reports with a NUL in the Message-ID and control characters in their fields, storing none of them', async () => {
    const r = await importFiles(reports(1).filter((m) => m.name !== 'poison'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/3 processed, 0 unreadable/);
    expect(readerStatus()).toEqual({
      'n1@example.org': 'suppressed',
      'n2@example.org': 'suppressed',
      'ok@example.org': 'suppressed',
      'poisoned@example.org': 'active',
    });
    expect(ws.rows('select id from events')).toHaveLength(3);
    noControlStored();
  });

  it('bounces import names a report the store refuses, with the reason, processes the others and exits 0', async () => {
    reset();
    const r = await importFiles(reports(2).filter((m) => m.name === 'poison' || m.name === 'good'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/1 processed, 1 unreadable/);
    // One line naming the file and why.
    expect(r.stderr.split('\n').filter((l) => l.includes('poison.eml'))).toEqual([expect.stringMatching(/poison\.eml: .*the store refuses this report/)]);
    expect(readerStatus()).toMatchObject({ 'ok@example.org': 'suppressed', 'poisoned@example.org': 'active' });
  });

  it.skipIf(noDovecot)('the IMAP poll processes them, moves the refused one to Unreadable and carries on', async () => {
    reset();
    // As a local delivery agent stores them: the bytes as they came, NULs included.
    await dovecot!.seedMaildir(
      'nul',
      reports(3).map((r) => Buffer.from(r.raw, 'latin1')),
    );
    const child = paperboy(ws, ['bounces', 'poll'], { BOUNCE_IMAP_URL: dovecot!.url('nul') });
    expect(await child.exited, child.stderr()).toBe(0);
    expect(child.stdout()).toMatch(/3 processed, 1 set aside as unreadable, 0 left for the next poll/);
    expect(await dovecot!.messages('nul')).toEqual([]);
    const unreadable = await dovecot!.messages('nul', 'Paperboy/Unreadable');
    expect(unreadable.map((m) => m.toString('latin1'))).toEqual([expect.stringContaining('poison: user unknown')]);
    expect(await dovecot!.messages('nul', 'Paperboy/Processed')).toHaveLength(3);
    expect(readerStatus()).toEqual({
      'n1@example.org': 'suppressed',
      'n2@example.org': 'suppressed',
      'ok@example.org': 'suppressed',
      'poisoned@example.org': 'active',
    });
    noControlStored();
  });
});
