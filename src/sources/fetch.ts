/**
 * Fetching a digest over http(s) with Node's fetch: a timeout per attempt, retries with
 * exponential backoff and jitter on 5xx, 429 and network errors (honouring Retry-After),
 * conditional requests (ETag / Last-Modified; a 304 means nothing new), a size limit, and a
 * clear error for a 404 or an HTML error page.
 */
import type { Config } from '../config.js';
import { AppError } from '../errors.js';

/** What the last successful fetch of a URL said, for the next conditional request. */
export interface Validators {
  etag?: string;
  lastModified?: string;
}

/** Knobs, with defaults for production; tests make them small. */
export interface FetchOptions {
  timeoutMs?: number;
  /** Attempts after the first. */
  retries?: number;
  /** First backoff; doubles each retry, with ±50% jitter. */
  backoffMs?: number;
  maxBytes?: number;
  validators?: Validators;
  userAgent?: string;
}

/** How URL sources are fetched, from the config. */
export function fetchOptions(config: Pick<Config, 'FETCH_TIMEOUT_SECONDS' | 'FETCH_RETRIES' | 'PUBLIC_URL'>): FetchOptions {
  return {
    timeoutMs: config.FETCH_TIMEOUT_SECONDS * 1000,
    retries: config.FETCH_RETRIES,
    userAgent: `Paperboy/0.1 (+${config.PUBLIC_URL})`,
  };
}

/** A fetched body, or a 304. */
export type FetchResult = { status: 'ok'; body: Buffer; contentType: string; validators: Validators; url: string } | { status: 'not-modified' };

class Retryable extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** Fetches `url`; throws AppError with one line when it cannot. */
export async function fetchDigest(url: string, opts: FetchOptions = {}): Promise<FetchResult> {
  const retries = opts.retries ?? 3;
  const backoff = opts.backoffMs ?? 1000;
  let last: Retryable | undefined;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) {
      const wait = last?.retryAfterMs ?? backoff * 2 ** (attempt - 1) * (0.5 + Math.random());
      await new Promise((r) => setTimeout(r, Math.min(wait, 60_000)));
    }
    try {
      return await attemptFetch(url, opts);
    } catch (err) {
      if (!(err instanceof Retryable)) throw err;
      last = err;
    }
  }
  throw new AppError('INPUT_INVALID', `${url}: ${last!.message} (after ${retries + 1} attempts)`);
}

async function attemptFetch(url: string, opts: FetchOptions): Promise<FetchResult> {
  const maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
  const headers: Record<string, string> = {
    accept: 'application/json, application/atom+xml, application/rss+xml, application/xml;q=0.9, text/plain;q=0.8, */*;q=0.1',
    'user-agent': opts.userAgent ?? 'Paperboy/0.1 (research-paper newsletter)',
  };
  if (opts.validators?.etag) headers['if-none-match'] = opts.validators.etag;
  if (opts.validators?.lastModified) headers['if-modified-since'] = opts.validators.lastModified;

  const signal = AbortSignal.timeout(opts.timeoutMs ?? 30_000);
  let res: Response;
  try {
    res = await fetch(url, { headers, signal, redirect: 'follow' });
  } catch (err) {
    throw new Retryable(networkReason(err, opts.timeoutMs ?? 30_000));
  }
  if (!/^https?:/.test(res.url || url)) throw new AppError('INPUT_INVALID', `${url}: redirected to a non-http(s) address`);
  if (res.status === 304) {
    await res.body?.cancel();
    return { status: 'not-modified' };
  }
  if (res.status >= 500 || res.status === 429 || res.status === 408) {
    await res.body?.cancel();
    throw new Retryable(`HTTP ${res.status} ${res.statusText}`.trim(), retryAfter(res.headers.get('retry-after')));
  }
  if (res.status !== 200) {
    await res.body?.cancel();
    throw new AppError('INPUT_INVALID', `${url}: HTTP ${res.status} ${res.statusText}`.trim());
  }
  const length = Number(res.headers.get('content-length') ?? 0);
  if (length > maxBytes) {
    await res.body?.cancel();
    throw new AppError('INPUT_INVALID', `${url}: ${length} bytes is over the ${maxBytes}-byte limit for a digest`);
  }
  const body = await readLimited(res, url, maxBytes, opts.timeoutMs ?? 30_000);
  const contentType = res.headers.get('content-type') ?? '';
  const head = body.subarray(0, 512).toString('utf8').trimStart().toLowerCase();
  if (head.startsWith('<!doctype html') || head.startsWith('<html')) {
    const title = /<title[^>]*>([^<]{0,120})/i.exec(body.subarray(0, 8192).toString('utf8'))?.[1]?.trim();
    throw new AppError('INPUT_INVALID', `${url}: answered with an HTML page${title ? ` ("${title}")` : ''}, not a digest`);
  }
  const validators: Validators = {};
  const etag = res.headers.get('etag');
  const lastModified = res.headers.get('last-modified');
  if (etag) validators.etag = etag;
  if (lastModified) validators.lastModified = lastModified;
  return { status: 'ok', body, contentType, validators, url: res.url || url };
}

async function readLimited(res: Response, url: string, maxBytes: number, timeoutMs: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = res.body?.getReader();
  try {
    for (;;) {
      if (!reader) break;
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new AppError('INPUT_INVALID', `${url}: over the ${maxBytes}-byte limit for a digest`);
      }
      chunks.push(Buffer.from(value));
    }
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new Retryable(`the body was cut off (${networkReason(err, timeoutMs)})`);
  }
  return Buffer.concat(chunks);
}

function networkReason(err: unknown, timeoutMs: number): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${timeoutMs / 1000} s`;
  return e.cause?.code ?? e.cause?.message ?? e.message;
}

function retryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
