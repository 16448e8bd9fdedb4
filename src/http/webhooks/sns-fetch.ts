/**
 * The two calls the SES route makes to Amazon SNS, over https: fetching a signing certificate and
 * visiting a SubscribeURL. Both refuse redirects (they could leave AWS), time out, and read at most
 * a few kilobytes, so that a slow or huge answer cannot tie up the route. The route has checked
 * each URL before it comes here (`isSnsUrl`).
 */

/** A certificate that was fetched but cannot be used: a refusal, not a reason to retry. */
export class CertificateError extends Error {}

/** Bytes of a signing certificate we accept (AWS's are about 2 KB). */
const MAX_CERT_BYTES = 64 * 1024;
const FETCH_TIMEOUT_MS = 5_000;

/**
 * The default certificate fetch: one https GET, no redirects (they could leave AWS), a timeout
 * and a size cap, so that a slow or huge answer cannot tie up the route.
 */
export async function fetchCertificateHttps(url: string): Promise<string> {
  const res = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    // 4xx: no such certificate, a refusal; 5xx: AWS trouble, worth a retry.
    const reason = `the SigningCertURL answered HTTP ${res.status}`;
    throw res.status < 500 ? new CertificateError(reason) : new Error(reason);
  }
  return (await readCapped(res, MAX_CERT_BYTES)).toString('utf8');
}

/** The default subscription confirmation: an https GET of the SubscribeURL that must answer 2xx. */
export async function getHttps(url: string): Promise<void> {
  const res = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  // The answer (a small XML document) is not needed; read a little so the connection is reused.
  await readCapped(res, MAX_CERT_BYTES).catch(() => undefined);
  if (!res.ok) throw new Error(`the SubscribeURL answered HTTP ${res.status}`);
}

async function readCapped(res: Response, max: number): Promise<Buffer> {
  if (!res.body) return Buffer.alloc(0);
  const reader = res.body.getReader();
  const chunks: Buffer[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks);
    size += value.length;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      throw new CertificateError(`the answer is larger than ${max} bytes`);
    }
    chunks.push(Buffer.from(value));
  }
}
