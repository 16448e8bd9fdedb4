/**
 * The next issue rendered as most readers would get it, without sending or storing anything:
 * what `paperboy preview` writes and the admin's issue preview shows. The links carry tokens of
 * no real subscriber (they open nothing).
 */
import { type App, archiveUrl } from '../app.js';
import type { Frequency } from '../domain.js';
import { AppError } from '../errors.js';
import type { PlannedIssue } from '../issue/builder.js';
import { mainPapers } from '../pipeline/send-job.js';
import { digestProps, renderDigest } from './digest.js';

/** Renders one variant of a planned issue (default: the main one); AppError('NOT_FOUND') for a variant it does not have. */
export async function renderPreview(app: App, frequency: Frequency, planned: PlannedIssue, variant = 0): Promise<{ html: string; text: string }> {
  const urls = {
    unsubscribeUrl: `${app.config.PUBLIC_URL}/unsubscribe/${app.tokens.sign('unsubscribe', 0)}`,
    preferencesUrl: `${app.config.PUBLIC_URL}/preferences/${app.tokens.sign('preferences', 0)}`,
    archiveUrl: archiveUrl(app.config.PUBLIC_URL),
  };
  const papers = variant === 0 ? mainPapers(planned) : planned.variants.get(variant);
  if (!papers) throw new AppError('NOT_FOUND', `the next ${frequency} issue has no variant ${variant}`);
  return renderDigest(digestProps(app.masthead, { issueDate: planned.plan.issueDate, frequency }, papers, urls));
}
