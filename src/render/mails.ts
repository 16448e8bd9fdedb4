/**
 * The one-off emails around a subscription (the double opt-in and the welcome), rendered to
 * both parts. The digest has its own renderer (`digest.ts`) because it is rendered once per
 * variant and sized for Gmail's clip; these are rendered once per reader.
 */
import { render } from '@react-email/render';
import { createElement } from 'react';
import ConfirmSubscription, { type ConfirmSubscriptionProps, confirmSubscriptionText } from '../../emails/ConfirmSubscription.js';
import Welcome, { type WelcomeProps, welcomeText } from '../../emails/Welcome.js';
import { AppError } from '../errors.js';

/** Both parts of a rendered email. */
export interface RenderedMail {
  html: string;
  text: string;
}

/**
 * Our own links (built from PUBLIC_URL and a token) must be http(s): a template drops any
 * other link, and an email without its confirm or unsubscribe link must not go out.
 */
function requireHttp(fields: Record<string, string | undefined>): void {
  for (const [name, url] of Object.entries(fields)) {
    if (url === undefined) continue;
    let ok = false;
    try {
      ok = ['http:', 'https:'].includes(new URL(url).protocol);
    } catch {
      // not a URL at all
    }
    if (!ok) throw new AppError('INTERNAL', `${name} is not an http(s) URL`);
  }
}

/** The double opt-in email. */
export async function renderConfirmation(props: ConfirmSubscriptionProps): Promise<RenderedMail> {
  requireHttp({ confirmUrl: props.confirmUrl });
  return { html: await render(createElement(ConfirmSubscription, props)), text: confirmSubscriptionText(props) };
}

/** The welcome email, sent when a subscription is confirmed. */
export async function renderWelcome(props: WelcomeProps): Promise<RenderedMail> {
  const { latestIssueUrl, archiveUrl, preferencesUrl, unsubscribeUrl } = props;
  requireHttp({ latestIssueUrl, archiveUrl, preferencesUrl, unsubscribeUrl });
  return { html: await render(createElement(Welcome, props)), text: welcomeText(props) };
}
