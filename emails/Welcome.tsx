/**
 * The welcome email, sent once a subscription is confirmed: what the reader will get and when,
 * the latest issue's top papers (so the first email is already useful), and the footer links.
 * Same shell and colours as the digest. `welcomeText` is its plain-text part.
 */
import { Section, Text } from '@react-email/components';
import preview from '../fixtures/email-preview.json' with { type: 'json' };
import { InlineLink } from './_components/InlineLink.js';
import { Footer } from './_components/Footer.js';
import { Layout } from './_components/Layout.js';
import { type DigestPaper, PaperCard } from './_components/PaperCard.js';
import { authorLine, safeHref, shorten, wrap } from '../src/lib/text.js';
import { cls, light } from './_components/theme.js';

/** Everything the welcome email shows; the URLs are the reader's own. */
export interface WelcomeProps {
  newsletterName: string;
  tagline: string;
  byline: string;
  frequency: 'daily' | 'weekly';
  /** When the digest goes out, in words, e.g. "every day at 08:00 (UTC)" or "every Monday at 08:00 (UTC)". */
  when: string;
  /** The reader's topics; empty means every paper. */
  topics: string[];
  /** The latest issue's top papers (up to 5), possibly empty when there is no issue yet. */
  papers: DigestPaper[];
  /** The latest issue's web page, when there is one. */
  latestIssueUrl?: string;
  archiveUrl: string;
  preferencesUrl: string;
  unsubscribeUrl: string;
  postalAddress: string;
}

/** At most this many papers of the latest issue: a taste, not a second digest. */
export const WELCOME_PAPERS = 5;
/** Characters of abstract per paper: shorter than in the digest. */
const ABSTRACT_CHARS = 200;

/** "a", "a or b", "a, b or c". */
function orList(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

/** "You're subscribed to Paperboy." */
const welcomeLine = (p: WelcomeProps) => `You're subscribed to ${p.newsletterName}.`;

/** "The daily digest of trending research papers, every day at 08:00 (UTC)." */
const schedule = (p: WelcomeProps) => `The ${p.frequency} digest of trending research papers, ${p.when}.`;

/** Which papers: the reader's topics, or all of them. */
const scope = (p: WelcomeProps) =>
  p.topics.length > 0 ? `You get only papers about ${orList(p.topics)}.` : 'You get every paper; choose topics under Manage preferences.';

/** When there is no issue yet. */
const firstIssue = (p: WelcomeProps) => `Your first digest comes with the next send, ${p.when}.`;

const reason = (p: WelcomeProps) => `You get this email because you confirmed your subscription to ${p.newsletterName}'s ${p.frequency} digest.`;

/** The welcome email: you're subscribed, what and when, the latest top papers, the footer. */
export default function Welcome(props: WelcomeProps) {
  const papers = props.papers.slice(0, WELCOME_PAPERS);
  const latest = safeHref(props.latestIssueUrl);
  const para = { marginTop: 0, marginBottom: 12, fontSize: 15, lineHeight: '23px', color: light.muted };
  return (
    <Layout
      preheader={`${welcomeLine(props)} ${schedule(props)}`}
      masthead={{ newsletterName: props.newsletterName, tagline: props.tagline, subline: props.byline }}
    >
      <Section className="pb-pad" style={{ padding: '8px 28px 12px' }}>
        <Text className={cls.text} style={{ ...para, fontSize: 17, fontWeight: 700, color: light.text }}>
          {welcomeLine(props)}
        </Text>
        <Text className={cls.muted} style={para}>
          {`${schedule(props)} ${scope(props)}`}
        </Text>
        <Text className={cls.muted} style={para}>
          {papers.length > 0 ? 'The top papers of the latest issue:' : firstIssue(props)}
        </Text>
      </Section>
      {papers.length > 0 ? (
        <table role="presentation" width="100%" cellPadding={0} cellSpacing={0} border={0}>
          <tbody>
            {papers.map((p, i) => (
              <PaperCard key={i} paper={p} abstractChars={ABSTRACT_CHARS} />
            ))}
          </tbody>
        </table>
      ) : null}
      {papers.length > 0 && latest ? (
        <Section className="pb-pad" style={{ padding: '4px 28px 20px' }}>
          <Text className={cls.muted} style={{ ...para, marginBottom: 0 }}>
            <InlineLink href={latest} className={cls.link} color={light.link}>
              Read the whole latest issue
            </InlineLink>
          </Text>
        </Section>
      ) : null}
      <Footer
        reason={reason(props)}
        postalAddress={props.postalAddress}
        links={[
          { label: 'Past issues', href: safeHref(props.archiveUrl) },
          { label: 'Manage preferences', href: safeHref(props.preferencesUrl) },
          { label: 'Unsubscribe', href: safeHref(props.unsubscribeUrl) },
        ]}
      />
    </Layout>
  );
}

/** The plain-text part: the same content, written for reading as text. */
export function welcomeText(props: WelcomeProps): string {
  const papers = props.papers.slice(0, WELCOME_PAPERS);
  const lines = [`${props.newsletterName}: ${props.tagline}`, props.byline, '', welcomeLine(props), '', wrap(`${schedule(props)} ${scope(props)}`), ''];
  if (papers.length === 0) {
    lines.push(wrap(firstIssue(props)), '');
  } else {
    lines.push('The top papers of the latest issue:', '');
    papers.forEach((p, i) => {
      lines.push(wrap(`${i + 1}. ${p.title}`));
      if (p.authors.length > 0) lines.push(wrap(authorLine(p.authors)));
      const url = safeHref(p.url);
      if (url) lines.push(url);
      lines.push(wrap(p.tldr ? `TL;DR: ${shorten(p.tldr, ABSTRACT_CHARS)}` : shorten(p.abstract, ABSTRACT_CHARS)));
      const links: [string, string | undefined][] = [
        ['PDF', p.pdfUrl],
        [p.stars !== undefined ? `Code (${p.stars} stars)` : 'Code', p.codeUrl],
        ['Project', p.projectUrl],
      ];
      for (const [label, href] of links) {
        const safe = safeHref(href);
        if (safe) lines.push(`${label}: ${safe}`);
      }
      lines.push('');
    });
    const latest = safeHref(props.latestIssueUrl);
    if (latest) lines.push(`The whole latest issue: ${latest}`, '');
  }
  lines.push('--', wrap(reason(props)));
  const links: [string, string | undefined][] = [
    ['Past issues', props.archiveUrl],
    ['Manage preferences', props.preferencesUrl],
    ['Unsubscribe', props.unsubscribeUrl],
  ];
  for (const [label, href] of links) {
    const url = safeHref(href);
    if (url) lines.push(`${label}: ${url}`);
  }
  lines.push(props.postalAddress, '');
  return lines.join('\n');
}

Welcome.PreviewProps = {
  newsletterName: 'Paperboy',
  tagline: 'Get trending papers in your email inbox!',
  byline: 'by AK and the research community',
  frequency: 'daily',
  when: 'every day at 08:00 (UTC)',
  topics: ['cs.CL', 'cs.AI', 'robotics'],
  papers: preview.papers.slice(0, 3),
  latestIssueUrl: 'http://localhost:3000/archive/1',
  archiveUrl: 'http://localhost:3000/archive',
  preferencesUrl: 'http://localhost:3000/preferences/preview',
  unsubscribeUrl: 'http://localhost:3000/unsubscribe/preview',
  postalAddress: 'Paperboy, 1 Example Street, 00000 Example City',
} satisfies WelcomeProps;
