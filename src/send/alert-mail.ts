/**
 * Alert emails to the operator (OPERATOR_EMAIL): plain and short, a text part and a simple HTML
 * part, built by MailComposer (`composeOneOff`) and handed to the app's mailer, so that without
 * SMTP they land in the outbox folder like every other message.
 */
import type { Config } from '../config.js';
import { parseMailbox } from '../lib/email.js';
import type { AlertMail, AlertMessage } from '../pipeline/alerts.js';
import type { Mailer } from '../pipeline/ports.js';
import { composeOneOff } from './one-off.js';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The subject, text and HTML of an alert. */
export function renderAlert(m: AlertMessage): { subject: string; text: string; html: string } {
  const subject = `Paperboy alert${m.resolved ? ' resolved' : ''}: ${m.subject}`.replace(/[\r\n\0]+/g, ' ').slice(0, 200);
  const rows: [string, string][] = [
    ['What happened', m.what],
    ['Since', m.since],
    [m.resolved ? 'The error was' : 'Last error', m.lastError],
    ['What to do', m.todo],
  ];
  const text = `${rows.map(([k, v]) => `${k}: ${v}`).join('\n\n')}\n\n-- \nPaperboy (sent to OPERATOR_EMAIL)\n`;
  const html =
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>` +
    '<body style="font-family:sans-serif;font-size:15px;line-height:1.5">' +
    rows.map(([k, v]) => `<p><strong>${escapeHtml(k)}:</strong> ${escapeHtml(v)}</p>`).join('') +
    '<p style="color:#555">Paperboy (sent to OPERATOR_EMAIL)</p></body></html>';
  return { subject, text, html };
}

/**
 * The AlertMail port over the app's mailer, or undefined without OPERATOR_EMAIL. The mailer is
 * opened on the first alert; `close()` closes it if it was.
 */
export function alertMail(config: Config, mailer: () => Mailer, installTag: string, now: () => Date): (AlertMail & { close(): Promise<void> }) | undefined {
  const to = config.OPERATOR_EMAIL;
  if (!to) return undefined;
  const from = parseMailbox(config.MAIL_FROM)!;
  const domain = from.address.split('@')[1]!;
  let opened: Mailer | undefined;
  return {
    async send(m) {
      const at = now();
      const message = await composeOneOff(
        {
          from: config.MAIL_FROM,
          to,
          ...renderAlert(m),
          messageId: `paperboy.${m.name}.${at.getTime()}.${installTag}@${domain}`,
          name: `${m.name}-${at.getTime()}`,
          date: at,
        },
        from.address,
      );
      if (!opened) {
        const m = mailer();
        await m.verify(); // creates the outbox folder; a dead SMTP server fails here, in one line
        opened = m;
      }
      await opened.send(message);
    },
    async close() {
      await opened?.close();
    },
  };
}
