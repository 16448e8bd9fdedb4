/**
 * The digest email, in the trending-papers format: newsletter name and tagline, byline, date,
 * one block per paper (linked title, shortened abstract, read-more link), and a footer with the
 * unsubscribe link and the postal address. `trendingPapersText` is its plain-text part.
 */
import { Body, Container, Head, Heading, Hr, Html, Link, Preview, Section, Text } from '@react-email/components';
import { authorLine, shorten, wrap } from './_components/text.js';
import { theme } from './_components/theme.js';

/** One paper as the email shows it. Every URL is http(s). */
export interface DigestPaper {
  title: string;
  url: string;
  abstract: string;
  authors: string[];
  upvotes?: number;
}

/** Everything the digest needs; nothing per recipient except `unsubscribeUrl`. */
export interface TrendingPapersProps {
  newsletterName: string;
  tagline: string;
  byline: string;
  /** The issue date as shown ("November 26, 2026"). */
  issueDate: string;
  papers: DigestPaper[];
  unsubscribeUrl: string;
  postalAddress: string;
}

/** Abstracts are cut to this many characters: keeps a full digest under Gmail's 102 KB clip. */
export const ABSTRACT_CHARS = 320;

export default function TrendingPapers(props: TrendingPapersProps) {
  const { newsletterName, tagline, byline, issueDate, papers, unsubscribeUrl, postalAddress } = props;
  const preheader = papers
    .slice(0, 3)
    .map((p) => p.title)
    .join(' · ');
  return (
    <Html lang="en" dir="ltr">
      <Head />
      <Preview>{preheader}</Preview>
      <Body style={{ backgroundColor: theme.page, fontFamily: theme.font, margin: 0, padding: '24px 0' }}>
        <Container style={{ maxWidth: 600, backgroundColor: theme.card, border: `1px solid ${theme.border}`, borderRadius: 8 }}>
          <Section style={{ padding: '28px 32px 8px' }}>
            <Text style={{ margin: 0, fontSize: 13, fontWeight: 600, color: theme.accent, letterSpacing: 0.3 }}>{newsletterName}</Text>
            <Heading as="h1" style={{ margin: '6px 0 4px', fontSize: 24, lineHeight: '30px', color: theme.text }}>
              {tagline}
            </Heading>
            <Text style={{ margin: 0, fontSize: 14, color: theme.muted }}>
              {byline} · {issueDate}
            </Text>
          </Section>
          <Hr style={{ borderColor: theme.border, margin: '16px 32px' }} />
          {papers.map((p, i) => (
            <Section key={i} style={{ padding: '0 32px 20px' }}>
              <Heading as="h2" style={{ margin: '0 0 4px', fontSize: 17, lineHeight: '23px' }}>
                <Link href={p.url} style={{ color: theme.text, textDecoration: 'none' }}>
                  {p.title}
                </Link>
              </Heading>
              {p.authors.length > 0 || p.upvotes !== undefined ? (
                <Text style={{ margin: '0 0 6px', fontSize: 13, color: theme.faint }}>
                  {[authorLine(p.authors), p.upvotes !== undefined ? `▲ ${p.upvotes}` : ''].filter(Boolean).join(' · ')}
                </Text>
              ) : null}
              <Text style={{ margin: '0 0 6px', fontSize: 14, lineHeight: '21px', color: theme.muted }}>
                {shorten(p.abstract, ABSTRACT_CHARS)}
              </Text>
              <Link href={p.url} style={{ fontSize: 14, color: theme.link }}>
                Read more →
              </Link>
            </Section>
          ))}
          <Hr style={{ borderColor: theme.border, margin: '8px 32px 16px' }} />
          <Section style={{ padding: '0 32px 28px' }}>
            <Text style={{ margin: '0 0 8px', fontSize: 12, lineHeight: '18px', color: theme.faint }}>
              You get this email because you subscribed to {newsletterName}.{' '}
              <Link href={unsubscribeUrl} style={{ color: theme.faint, textDecoration: 'underline' }}>
                Unsubscribe
              </Link>
            </Text>
            <Text style={{ margin: 0, fontSize: 12, lineHeight: '18px', color: theme.faint }}>{postalAddress}</Text>
          </Section>
        </Container>
      </Body>
    </Html>
  );
}

/** The plain-text part: reads well on its own, one paragraph per paper. */
export function trendingPapersText(props: TrendingPapersProps): string {
  const lines = [props.newsletterName, props.tagline, `${props.byline} · ${props.issueDate}`, ''];
  props.papers.forEach((p, i) => {
    lines.push(wrap(`${i + 1}. ${p.title}`));
    const meta = [authorLine(p.authors), p.upvotes !== undefined ? `${p.upvotes} upvotes` : ''].filter(Boolean).join(' · ');
    if (meta) lines.push(wrap(meta));
    lines.push(p.url, '', wrap(shorten(p.abstract, ABSTRACT_CHARS)), '');
  });
  lines.push(
    '--',
    `You get this email because you subscribed to ${props.newsletterName}.`,
    `Unsubscribe: ${props.unsubscribeUrl}`,
    props.postalAddress,
    '',
  );
  return lines.join('\n');
}

TrendingPapers.PreviewProps = {
  newsletterName: 'Paperboy',
  tagline: 'Get trending papers in your email inbox!',
  byline: 'by AK and the research community',
  issueDate: 'March 17, 2025',
  papers: [
    {
      title: 'X-LLM: Bootstrapping Advanced Large Language Models by Treating Multi-Modalities as Foreign Languages',
      url: 'https://arxiv.org/abs/2305.04160',
      abstract:
        'Large language models (LLMs) have demonstrated remarkable language abilities. GPT-4, based on advanced LLMs, exhibits extraordinary multimodal capabilities beyond previous visual language models.',
      authors: [],
    },
  ],
  unsubscribeUrl: 'http://localhost:3000/unsubscribe/preview',
  postalAddress: 'Paperboy, 1 Example Street, 00000 Example City',
} satisfies TrendingPapersProps;
