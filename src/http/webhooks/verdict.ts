/**
 * What a provider module decides about one webhook request, and the request as it sees it: the
 * contract between the route (`index.ts`, which answers) and the provider modules (`ses.ts`,
 * `postmark.ts`, `resend.ts`, which verify and read). A refusal names a code of the one error
 * table, so its HTTP status comes from there.
 */
import type { BounceEvent } from '../../domain.js';

/** A request as the provider modules see it: headers and the raw body bytes, unparsed. */
export interface WebhookRequest {
  header(name: string): string | undefined;
  body: Buffer;
}

/** What a provider module decided about one request. */
export type Verdict =
  /** Verified: store these events (none when the report is one we ignore); `note` is logged. */
  | { kind: 'accept'; events: BounceEvent[]; note?: string }
  /** Refused (nothing is stored); `reason` goes back to the caller and to the log. */
  | { kind: 'refuse'; code: RefusalCode; reason: string };

/**
 * Why a request is refused, as a code of the error table: INPUT_INVALID (400) malformed,
 * UNAUTHORIZED (401) unauthenticated (bad or missing signature or credentials, stale timestamp),
 * FORBIDDEN (403) authenticated as someone we do not accept (another SNS topic, a certificate off
 * AWS), UPSTREAM_FAILED (502) or UNAVAILABLE (503) when a call we depend on failed (the SNS
 * confirmation URL, the certificate): the provider tries again later.
 */
export type RefusalCode = 'INPUT_INVALID' | 'UNAUTHORIZED' | 'FORBIDDEN' | 'UPSTREAM_FAILED' | 'UNAVAILABLE';

/** A provider's handler of one request. */
export type WebhookHandler = (req: WebhookRequest) => Promise<Verdict>;

/** Shorthand for a refusal. */
export const refuse = (code: RefusalCode, reason: string): Verdict => ({ kind: 'refuse', code, reason });
