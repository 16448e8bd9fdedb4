/**
 * The emails around a subscription, rendered and sent: the double opt-in (no list headers: the
 * reader is not on the list yet) and the welcome (list mail: List-Unsubscribe, one-click). They
 * go through the same Mailer as the digests: SMTP, or the outbox folder.
 */
import type { Config } from '../config.js';
import { TopicMatcher } from '../issue/topics.js';
import type { Subscriber } from '../domain.js';
import type { Mailer } from '../pipeline/ports.js';
import { type Masthead, toDigestPaper } from '../render/digest.js';
import { renderConfirmation, renderWelcome } from '../render/mails.js';
import { WELCOME_PAPERS } from '../../emails/Welcome.js';
import { describeWhen } from '../lib/time.js';
import { archiveUrl, preferencesUrl, unsubscribeUrl as unsubscribeLink } from '../lib/urls.js';
import type { Store } from '../store/store.js';
import type { SubscriptionMail } from '../subscriptions/double-opt-in.js';
import type { Tokens } from '../subscriptions/tokens.js';
import { composeOneOff } from './one-off.js';

/** The SubscriptionMail port over a mailer (created on first use, kept open). */
export function subscriptionMail(
  config: Config,
  masthead: Masthead,
  store: Store,
  tokens: Tokens,
  mailer: () => Mailer,
  envelopeFrom: string,
  messageIdDomain: string,
  now: () => Date,
): SubscriptionMail {
  const send = async (s: Subscriber, kind: string, m: { subject: string; html: string; text: string; unsubscribeUrl?: string }) => {
    const at = now();
    const message = await composeOneOff(
      {
        from: config.MAIL_FROM,
        to: s.email,
        ...m,
        messageId: `paperboy.${kind}.${s.id}.${at.getTime()}.${tokens.installTag}@${messageIdDomain}`,
        name: `${kind}-subscriber-${s.id}-${at.getTime()}`,
        date: at,
      },
      envelopeFrom,
    );
    await mailer().send(message);
  };

  return {
    async confirmation(s, confirmUrl, expiresInHours) {
      const r = await renderConfirmation({
        newsletterName: masthead.newsletterName,
        tagline: masthead.tagline,
        frequency: s.frequency,
        confirmUrl,
        expiresInHours,
        postalAddress: masthead.postalAddress,
      });
      await send(s, 'confirm', { subject: `Confirm your subscription to ${masthead.newsletterName}`, ...r });
    },

    async welcome(s) {
      const links = tokens.linkTokens(s.id);
      const unsubscribeUrl = unsubscribeLink(config.PUBLIC_URL, links.unsubscribe);
      const latest = (await store.recentIssues(1))[0];
      // The latest issue's top papers among those the reader's topics match.
      const papers = latest ? new TopicMatcher((await store.issueVariants(latest.id)).get(0) ?? []).select(s.topics) : [];
      const r = await renderWelcome({
        newsletterName: masthead.newsletterName,
        tagline: masthead.tagline,
        byline: masthead.byline,
        frequency: s.frequency,
        // With DELIVER_AT the issue arrives at that time in the reader's own zone, not at the tick.
        when: config.DELIVER_AT
          ? `${s.frequency === 'weekly' ? 'every week' : 'every day'} at ${config.DELIVER_AT} (${s.timezone ?? config.TZ})`
          : describeWhen(config.SCHEDULE, config.TZ, s.frequency, config.WEEKLY_DAY),
        topics: s.topics,
        papers: papers.slice(0, WELCOME_PAPERS).map(toDigestPaper),
        ...(latest ? { latestIssueUrl: archiveUrl(config.PUBLIC_URL, latest.id) } : {}),
        archiveUrl: archiveUrl(config.PUBLIC_URL),
        preferencesUrl: preferencesUrl(config.PUBLIC_URL, links.preferences),
        unsubscribeUrl,
        postalAddress: masthead.postalAddress,
      });
      await send(s, 'welcome', { subject: `Welcome to ${masthead.newsletterName}`, ...r, unsubscribeUrl });
    },
  };
}
