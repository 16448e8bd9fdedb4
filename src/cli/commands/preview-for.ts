/**
 * `paperboy preview --for EMAIL [--json]`: one reader's next issue as it would be sent, best
 * first, with the score and the reason of each paper. Changes nothing.
 */
import { AppError } from '../../errors.js';
import { isNoIssue } from '../../issue/basis.js';
import { readerIssue } from '../../issue/personal.js';
import { normalizeEmail } from '../../lib/email.js';
import { describeNoIssue } from '../../pipeline/describe-run.js';
import { reasonLine } from '../../ranking/order.js';
import { type CliIo, withApp } from '../io.js';

/** Prints `email`'s next issue: JSON `{"papers":[{arxiv_id, id, title, score, why}]}` or one line per paper. */
export async function previewFor(io: CliIo, emailInput: string, json: boolean): Promise<void> {
  const email = normalizeEmail(emailInput);
  await withApp(io, async (app) => {
    const subscriber = await app.store.findSubscriber(email);
    if (!subscriber) throw new AppError('NOT_FOUND', `${email} is not on the list`);
    if (subscriber.status !== 'active') throw new AppError('NOT_FOUND', `${email} is ${subscriber.status}: they get no issue`);
    const issue = await readerIssue(app.store, app.buildOptions(subscriber.frequency, app.now()), subscriber);
    const papers = isNoIssue(issue) ? [] : issue;
    const titles = new Map<string, string>();
    const titleOf = (id: string) => titles.get(id);
    const liked = papers.flatMap((p) => (p.reason.kind === 'like' || p.reason.kind === 'dislike' ? [p.reason.paperId] : []));
    for (const s of liked.length ? await app.store.signalsOf(subscriber.id) : []) if (s.title) titles.set(s.paperId, s.title);
    const rows = papers.map((p) => ({
      arxiv_id: p.paper.arxivId ?? null,
      id: p.paper.id,
      title: p.paper.title,
      score: p.score === null ? null : Number(p.score.toFixed(6)),
      why: reasonLine(p.reason, titleOf),
    }));
    if (json) {
      io.stdout(`${JSON.stringify({ papers: rows })}\n`);
      return;
    }
    if (isNoIssue(issue)) {
      io.stdout(`${describeNoIssue(subscriber.frequency, issue)}; nothing for ${email}\n`);
      return;
    }
    io.stdout(`The next ${subscriber.frequency} issue for ${email}: ${rows.length} paper${rows.length === 1 ? '' : 's'}, best first\n`);
    rows.forEach((r, i) => io.stdout(`${String(i + 1).padStart(3)}. ${r.title}${r.why ? `\n     ${r.why}` : ''}\n`));
  });
}
