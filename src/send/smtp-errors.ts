/**
 * The one place SMTP errors are classified for the ledger: a 5xx is read with the refusal table
 * (`bounces/refusals.ts`) as a refusal of the recipient (permanent), of the sender by the
 * recipient's server (sender), or neither for sure (soft); transient (4xx, a dropped connection);
 * fatal (authentication, our relay refusing MAIL FROM, 421).
 */
import { classifyRefusal, extractEnhancedStatus } from '../bounces/refusals.js';
import { SendError } from '../pipeline/ports.js';

interface SmtpError extends Error {
  code?: string;
  command?: string;
  responseCode?: number;
  response?: string;
}

/** Classifies a nodemailer error into what the ledger does with it. */
export function classifySmtpError(err: unknown): SendError {
  const e = err as SmtpError;
  const reply = oneLineReply(e);
  const code = e.responseCode;
  const wait = retryHint(reply);
  if (e.code === 'EAUTH') return new SendError('fatal', `SMTP authentication failed: ${reply}`, code);
  if (code === 421) return new SendError('fatal', `SMTP server closing the connection: ${reply}`, code);
  if (e.command === 'MAIL FROM' && code && code >= 500) return new SendError('fatal', `SMTP server refused the sender: ${reply}`, code);
  const status = extractEnhancedStatus(reply);
  if (code && code >= 500 && code !== 503) {
    const refusal = classifyRefusal({ code, text: reply, ...(status ? { status } : {}), ...(e.command ? { command: e.command } : {}) });
    const kind = refusal.class === 'recipient' ? 'permanent' : refusal.class === 'sender' ? 'sender' : 'soft';
    return new SendError(kind, reply, code, undefined, false, status);
  }
  return new SendError('transient', reply, code, wait, false, status);
}

/** "try again in 30 seconds", "retry after 5 minutes" → milliseconds. */
export function retryHint(reply: string): number | undefined {
  const m = /(?:try|retry)(?: again)?\s+(?:in|after)\s+(\d+)\s*(seconds?|secs?|s|minutes?|mins?|m)\b/i.exec(reply);
  if (!m) return undefined;
  return Number(m[1]) * (m[2]!.toLowerCase().startsWith('m') ? 60_000 : 1000);
}

function oneLineReply(e: SmtpError): string {
  return (e.response || e.message || String(e)).replace(/\s+/g, ' ').trim().slice(0, 300);
}
