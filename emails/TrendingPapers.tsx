/**
 * The digest email, in the trending-papers format: a preheader with the top titles; the
 * newsletter's name, tagline ("Get trending papers in your email inbox!"), byline and date; one
 * card per paper; and a footer saying why the reader gets it, with view-in-browser, preferences,
 * unsubscribe and the postal address. `trendingPapersText` is its plain-text part.
 */
import preview from '../fixtures/email-preview.json' with { type: 'json' };
import { Footer } from './_components/Footer.js';
import { Layout } from './_components/Layout.js';
import { type DigestPaper, PaperCard } from './_components/PaperCard.js';
import { authorLine, shorten, wrap } from '../src/lib/text.js';

export type { DigestPaper } from './_components/PaperCard.js';

/** Everything the digest shows. The three URLs are per recipient and may be absent (archive, preview). */
export interface TrendingPapersProps {
  newsletterName: string;
  tagline: string;
  byline: string;
  /** The issue date as shown ("November 26, 2026"). */
  issueDate: string;
  frequency: 'daily' | 'weekly';
  papers: DigestPaper[];
  postalAddress: string;
  unsubscribeUrl?: string;
  preferencesUrl?: string;
  archiveUrl?: string;
  /** Characters of abstract per paper; default {@link abstractChars} of the paper count. */
  abstractChars?: number;
}

/**
 * Characters of abstract per paper. Shorter as issues grow, so that a whole digest stays under
 * Gmail's 102 KB clip: 320 up to 30 papers, down to 160 at 80 and beyond.
 */
export function abstractChars(paperCount: number): number {
  if (paperCount <= 30) return 320;
  return Math.max(160, Math.round(320 - ((paperCount - 30) * 160) / 50));
}

/** "You get this email because you subscribed to Paperboy's daily digest." */
function reason(p: TrendingPapersProps): string {
  return `You get this email because you subscribed to ${p.newsletterName}'s ${p.frequency} digest.`;
}

/** The digest (React Email): masthead, one card per paper, footer. */
export default function TrendingPapers(props: TrendingPapersProps) {
  const chars = props.abstractChars ?? abstractChars(props.papers.length);
  return (
    <Layout
      preheader={props.papers
        .slice(0, 3)
        .map((p) => p.title)
        .join(' · ')}
      masthead={{ newsletterName: props.newsletterName, tagline: props.tagline, subline: `${props.byline} · ${props.issueDate}` }}
    >
      <table role="presentation" width="100%" cellPadding={0} cellSpacing={0} border={0}>
        <tbody>
          {props.papers.map((p, i) => (
            <PaperCard key={i} paper={p} abstractChars={chars} />
          ))}
        </tbody>
      </table>
      <Footer
        reason={reason(props)}
        postalAddress={props.postalAddress}
        links={[
          { label: 'View in browser', href: props.archiveUrl },
          { label: 'Manage preferences', href: props.preferencesUrl },
          { label: 'Unsubscribe', href: props.unsubscribeUrl },
        ]}
      />
    </Layout>
  );
}

/** The plain-text part: reads well on its own; per paper its title, authors, link and summary. */
export function trendingPapersText(props: TrendingPapersProps): string {
  const chars = props.abstractChars ?? abstractChars(props.papers.length);
  const lines = [`${props.newsletterName}: ${props.tagline}`, `${props.byline} · ${props.issueDate}`, ''];
  props.papers.forEach((p, i) => {
    lines.push(wrap(`${i + 1}. ${p.title}`));
    const meta = [authorLine(p.authors), p.upvotes !== undefined ? `${p.upvotes} upvotes` : ''].filter(Boolean).join(' · ');
    if (meta) lines.push(wrap(meta));
    lines.push(p.url);
    lines.push(wrap(p.tldr ? `TL;DR: ${shorten(p.tldr, chars)}` : shorten(p.abstract, chars)));
    const links = [
      p.pdfUrl && `PDF: ${p.pdfUrl}`,
      p.codeUrl && `Code${p.stars !== undefined ? ` (${p.stars} stars)` : ''}: ${p.codeUrl}`,
      p.projectUrl && `Project: ${p.projectUrl}`,
    ].filter(Boolean) as string[];
    lines.push(...links, '');
  });
  lines.push('--', reason(props));
  if (props.archiveUrl) lines.push(`View in browser: ${props.archiveUrl}`);
  if (props.preferencesUrl) lines.push(`Manage preferences: ${props.preferencesUrl}`);
  if (props.unsubscribeUrl) lines.push(`Unsubscribe: ${props.unsubscribeUrl}`);
  lines.push(props.postalAddress, '');
  return lines.join('\n');
}

TrendingPapers.PreviewProps = {
  newsletterName: 'Paperboy',
  tagline: 'Get trending papers in your email inbox!',
  byline: 'by AK and the research community',
  issueDate: 'August 20, 2025',
  frequency: 'daily',
  papers: preview.papers,
  postalAddress: 'Paperboy, 1 Example Street, 00000 Example City',
  unsubscribeUrl: 'http://localhost:3000/unsubscribe/preview',
  preferencesUrl: 'http://localhost:3000/preferences/preview',
  archiveUrl: 'http://localhost:3000/archive/1',
} satisfies TrendingPapersProps;
