/**
 * The PUBLIC_URL checks of `paperboy doctor`: the URL is https (RFC 8058 one-click unsubscribe
 * needs an https List-Unsubscribe URL, and Gmail and Yahoo need one-click), and its unsubscribe
 * endpoint answers as Paperboy does.
 *
 * The endpoint is asked with a GET (which never changes anything) for a token of the right
 * shape that names nobody: Paperboy answers 400 "Link not valid". Any 2xx or 4xx HTML page of
 * Paperboy's means the route is there; a 5xx, a timeout or no connection means readers' clicks
 * go nowhere.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { unsubscribeUrl } from '../lib/urls.js';
import { tokenLength } from '../subscriptions/tokens.js';
import { type Dns, isLoopback } from './dns.js';
import { type CheckResult, check } from './report.js';

/** Request settings. */
export interface HttpProbeOptions {
  timeoutMs: number;
  /** The certificate authorities to trust instead of Node's own (see `DoctorOptions.ca`). */
  ca?: string[] | undefined;
}

/** Every Paperboy page links this stylesheet (see http/page.ts): how an answer is known to be Paperboy's. */
const PAPERBOY_MARK = '/assets/paperboy.css';
/** No more of a page is read than this: the mark is in its head. */
const BODY_LIMIT = 64 * 1024;

/** An unsubscribe token of the right length and alphabet, purpose byte 1, subscriber 0 and a zero MAC: valid in form, known to nobody. */
export function unknownUnsubscribeToken(): string {
  const token = Buffer.concat([Buffer.from([1]), Buffer.alloc(8), Buffer.alloc(16)]).toString('base64url');
  // Kept in step with the token format: a wrong length would be refused before the lookup.
  if (token.length !== tokenLength('unsubscribe')) throw new Error('the unsubscribe token format changed');
  return token;
}

interface Answer {
  status: number;
  contentType: string;
  location: string | undefined;
  body: string;
}

/** One GET, following nothing, with a deadline for the whole exchange. */
function get(url: string, dns: Dns, opts: HttpProbeOptions): Promise<Answer> {
  const u = new URL(url);
  const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      u,
      {
        method: 'GET',
        headers: { 'user-agent': 'Paperboy-doctor', accept: 'text/html' },
        lookup: dns.lookupFunction() as never,
        timeout: opts.timeoutMs,
        ...(opts.ca ? { ca: opts.ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size < BODY_LIMIT) chunks.push(c);
          size += c.length;
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            location: res.headers.location,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    const deadline = setTimeout(() => req.destroy(Object.assign(new Error(`no answer within ${opts.timeoutMs / 1000} s`), { code: 'ETIMEDOUT' })), opts.timeoutMs);
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${opts.timeoutMs / 1000} s`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.on('close', () => clearTimeout(deadline));
    req.end();
  });
}

/** `public-url` (https, reachable by readers) and `unsubscribe` (the endpoint answers). */
export async function checkPublicUrl(publicUrl: string, dns: Dns, opts: HttpProbeOptions): Promise<CheckResult[]> {
  const u = new URL(publicUrl);
  const out: CheckResult[] = [];
  if (isLoopback(u.hostname)) {
    out.push(
      check('public-url', 'PUBLIC_URL', 'fail', `${publicUrl} is this machine: the links in every email would point readers at their own computer`, {
        fix: 'set PUBLIC_URL to the public https address readers reach Paperboy at (e.g. https://news.example.org)',
      }),
    );
  } else if (u.protocol !== 'https:') {
    out.push(
      check(
        'public-url',
        'PUBLIC_URL',
        'fail',
        `${publicUrl} is http: one-click unsubscribe (RFC 8058) needs an https List-Unsubscribe URL, and Gmail and Yahoo require one-click from bulk senders`,
        {
          fix: `serve Paperboy behind TLS (a reverse proxy such as Caddy or nginx with a certificate) and set PUBLIC_URL=https://${u.host}${u.pathname === '/' ? '' : u.pathname}`,
        },
      ),
    );
  } else {
    out.push(check('public-url', 'PUBLIC_URL', 'pass', `${publicUrl} is https`));
  }

  const endpoint = unsubscribeUrl(publicUrl, unknownUnsubscribeToken());
  const shown = unsubscribeUrl(publicUrl, '…');
  let answer: Answer;
  try {
    answer = await get(endpoint, dns, opts);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const tls = /certificate|self[- ]signed|CERT_|altnames/i.test(`${e.code} ${e.message}`);
    out.push(
      check('unsubscribe', 'Unsubscribe endpoint', 'fail', `GET ${shown} failed: ${e.message}${e.code && !e.message.includes(e.code) ? ` (${e.code})` : ''}`, {
        fix: tls
          ? `install a certificate valid for ${u.hostname} from a public authority in front of Paperboy`
          : `make Paperboy reachable at ${publicUrl} (\`paperboy serve\` or \`paperboy start\`, behind your reverse proxy), or correct PUBLIC_URL`,
      }),
    );
    return out;
  }
  const html = /text\/html/i.test(answer.contentType);
  const ours = html && answer.body.includes(PAPERBOY_MARK);
  if (answer.status >= 300 && answer.status < 400) {
    out.push(
      check(
        'unsubscribe',
        'Unsubscribe endpoint',
        'warn',
        `GET ${shown} redirects (${answer.status}) to ${answer.location ?? '?'}: mail clients post one-click unsubscribes without following redirects`,
        {
          fix: 'set PUBLIC_URL to the address the redirect leads to',
        },
      ),
    );
  } else if (answer.status >= 500 || answer.status < 200) {
    out.push(
      check('unsubscribe', 'Unsubscribe endpoint', 'fail', `GET ${shown} answered ${answer.status}: readers' unsubscribe clicks fail`, {
        fix: 'look at the log of `paperboy serve` (or of the proxy in front of it) for this request',
      }),
    );
  } else if (ours) {
    out.push(check('unsubscribe', 'Unsubscribe endpoint', 'pass', `GET ${shown} answers ${answer.status} from Paperboy (a token of nobody, as expected)`));
  } else {
    out.push(
      check(
        'unsubscribe',
        'Unsubscribe endpoint',
        'warn',
        `GET ${shown} answered ${answer.status}${html ? '' : ` (${answer.contentType || 'no content type'})`}, but not with a Paperboy page: is PUBLIC_URL pointing at Paperboy?`,
        {
          fix: `route ${unsubscribeUrl(publicUrl, '')} to \`paperboy serve\`, or correct PUBLIC_URL`,
        },
      ),
    );
  }
  return out;
}
