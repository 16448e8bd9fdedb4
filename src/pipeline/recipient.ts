/**
 * What differs for one recipient of an issue: the Message-ID and the link tokens that are
 * substituted into the message built once per variant.
 */
import type { Tokens } from '../subscriptions/tokens.js';
import type { Recipient } from './ports.js';

/**
 * The Message-ID of (issue, subscriber): deterministic, so a resend carries the same id, with an
 * HMAC of both (`Tokens.messageId`), so that a bounce returning it proves which delivery it is about.
 */
export function messageIdFor(tokens: Tokens, issueId: number, subscriberId: number, domain: string): string {
  return tokens.messageId(issueId, subscriberId, domain);
}

/** Everything that differs for one recipient of an issue (issue 0: a dry run). */
export function recipientFor(tokens: Tokens, issueId: number, s: { id: number; email: string }, domain: string): Recipient {
  const links = tokens.linkTokens(s.id);
  return {
    email: s.email,
    messageId: messageIdFor(tokens, issueId, s.id, domain),
    unsubscribeToken: links.unsubscribe,
    preferencesToken: links.preferences,
  };
}
