/**
 * The digest as an email, beside the subscription mails (`subscription-mail.ts`): one variant
 * rendered with React Email and composed into its message template once, with the footer links
 * it is sent with. `send` (the pipeline's `Composer` port), `preview` (the CLI and the admin's
 * preview) and the archive's issue page all render through here, so that they show the same.
 */
import type { Config } from '../config.js';
import type { Frequency, Issue, Paper } from '../domain.js';
import { AppError } from '../errors.js';
import type { PlannedIssue } from '../issue/builder.js';
import { archiveUrl, preferencesUrl, unsubscribeUrl } from '../lib/urls.js';
import type { Composer } from '../pipeline/ports.js';
import { mainPapers } from '../pipeline/send-job.js';
import { type FooterUrls, type Masthead, type RenderedDigest, digestProps, renderDigest } from '../render/digest.js';
import type { Tokens } from '../subscriptions/tokens.js';
import { composeTemplate, recipientUrls } from './compose.js';
import type { DkimSigner } from './dkim.js';

/** What the digest mail needs from the composition root. */
export interface DigestMailDeps {
  config: Config;
  masthead: Masthead;
  /** Signs the preview's links (for no real subscriber: they open nothing). */
  tokens: Tokens;
  /** The domain of Message-IDs (MAIL_FROM's). */
  messageIdDomain: string;
  /** DKIM, when configured: each recipient's copy is signed. */
  signer?: DkimSigner;
  /** The app's clock: the Date header. */
  now: () => Date;
}

/** The digest rendered and composed, one variant at a time. */
export class DigestMail {
  constructor(private readonly deps: DigestMailDeps) {}

  /** Both parts of one variant of an issue, with the given footer links. */
  render(issue: { issueDate: string; frequency: Frequency }, papers: Paper[], urls: FooterUrls): Promise<RenderedDigest> {
    return renderDigest(digestProps(this.deps.masthead, { issueDate: issue.issueDate, frequency: issue.frequency }, papers, urls));
  }

  /**
   * The pipeline's Composer: renders the variant once with token placeholders in its links and
   * builds its message template once (the sender fills in each recipient).
   */
  readonly compose: Composer = async ({ subject, issueDate, frequency, papers, issueId }) => {
    const { config, signer } = this.deps;
    const urls = { ...recipientUrls(config.PUBLIC_URL), archiveUrl: archiveUrl(config.PUBLIC_URL, issueId) };
    const rendered = await this.render({ issueDate, frequency }, papers, urls);
    return composeTemplate({
      from: config.MAIL_FROM,
      subject,
      html: rendered.html,
      text: rendered.text,
      unsubscribeUrl: urls.unsubscribeUrl,
      messageIdDomain: this.deps.messageIdDomain,
      feedbackId: feedbackId(config, issueId),
      date: this.deps.now(),
      ...(signer ? { dkim: signer } : {}),
    });
  };

  /**
   * One variant of a planned issue (default: the main one) as most readers would get it, without
   * sending or storing anything: what `paperboy preview` writes and the admin's issue preview
   * shows. The links carry tokens of no real subscriber. AppError('NOT_FOUND') for a variant the
   * issue does not have.
   */
  async preview(frequency: Frequency, planned: PlannedIssue, variant = 0): Promise<RenderedDigest> {
    const { config, tokens } = this.deps;
    const urls = {
      unsubscribeUrl: unsubscribeUrl(config.PUBLIC_URL, tokens.sign('unsubscribe', 0)),
      preferencesUrl: preferencesUrl(config.PUBLIC_URL, tokens.sign('preferences', 0)),
      archiveUrl: archiveUrl(config.PUBLIC_URL),
    };
    const papers = variant === 0 ? mainPapers(planned) : planned.variants.get(variant);
    if (!papers) throw new AppError('NOT_FOUND', `the next ${frequency} issue has no variant ${variant}`);
    return this.render({ issueDate: planned.plan.issueDate, frequency }, papers, urls);
  }

  /** An issue's main variant for its archive page: no reader's links at all. */
  archived(issue: Pick<Issue, 'issueDate' | 'frequency'>, papers: Paper[]): Promise<RenderedDigest> {
    return this.render(issue, papers, {});
  }
}

/**
 * The Feedback-ID header (Gmail's feedback loop, `CampaignID:CustomerID:MailTypeID:SenderId`):
 * the issue, the list, the mail type and the sender id (FEEDBACK_ID, else the newsletter's name).
 */
export function feedbackId(config: Pick<Config, 'FEEDBACK_ID' | 'NEWSLETTER_NAME'>, issueId: number | undefined): string {
  const sender =
    config.FEEDBACK_ID ??
    (config.NEWSLETTER_NAME.toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') ||
      'paperboy');
  return `issue-${issueId ?? 'preview'}:paperboy:digest:${sender}`;
}
