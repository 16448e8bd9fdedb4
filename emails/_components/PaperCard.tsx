/**
 * One paper, as one row of the digest's table: thumbnail (when known) beside the linked title,
 * authors and upvotes, then the TL;DR or the shortened abstract with a read-more link, then the
 * PDF, code and project links. On narrow screens the thumbnail stacks above the text.
 */
import { Column, Heading, Img, Link, Row, Text } from '@react-email/components';
import { Fragment } from 'react';
import { InlineLink } from './InlineLink.js';
import { authorLine, compactCount, safeHref, shorten } from '../../src/lib/text.js';
import { cls, light } from './theme.js';

/** One paper as the email shows it. */
export interface DigestPaper {
  title: string;
  /** The paper page; the title and "Read more" link here. */
  url: string;
  abstract: string;
  /** A one-sentence summary (Hugging Face's ai_summary), shown instead of the abstract. */
  tldr?: string;
  authors: string[];
  upvotes?: number;
  thumbnail?: string;
  pdfUrl?: string;
  codeUrl?: string;
  stars?: number;
  projectUrl?: string;
}

/** One paper: title, authors, abstract (shortened to `abstractChars`), links and counts. */
export function PaperCard({ paper, abstractChars }: { paper: DigestPaper; abstractChars: number }) {
  const url = safeHref(paper.url);
  const thumb = safeHref(paper.thumbnail);
  const meta = [authorLine(paper.authors), paper.upvotes !== undefined ? `▲ ${compactCount(paper.upvotes)}` : ''].filter(Boolean);
  const links = [
    { label: 'PDF', href: safeHref(paper.pdfUrl) },
    { label: paper.stars !== undefined ? `Code ★ ${compactCount(paper.stars)}` : 'Code', href: safeHref(paper.codeUrl) },
    { label: 'Project page', href: safeHref(paper.projectUrl) },
  ].filter((l): l is { label: string; href: string } => Boolean(l.href));

  const body = (
    <>
      <Heading as="h2" style={{ margin: '0 0 4px', fontSize: 17, lineHeight: '23px' }}>
        {url ? (
          <Link href={url} className={cls.text} style={{ color: light.text }}>
            {paper.title}
          </Link>
        ) : (
          paper.title
        )}
      </Heading>
      {meta.length > 0 ? (
        <Text className={cls.faint} style={{ marginTop: 0, marginBottom: 6, fontSize: 13, lineHeight: '18px', color: light.faint }}>
          {meta.join(' · ')}
        </Text>
      ) : null}
      <Text className={cls.muted} style={{ marginTop: 0, marginBottom: 0, fontSize: 14, lineHeight: '21px', color: light.muted }}>
        {paper.tldr ? <b>TL;DR </b> : null}
        {paper.tldr ? shorten(paper.tldr, abstractChars) : shorten(paper.abstract, abstractChars)}{' '}
        {url ? (
          <InlineLink href={url} className={cls.link} color={light.link} nowrap>
            Read more
          </InlineLink>
        ) : null}
      </Text>
      {links.length > 0 ? (
        <Text style={{ marginTop: 6, marginBottom: 0, fontSize: 13, lineHeight: '18px' }}>
          {links.map((l, i) => (
            <Fragment key={l.label}>
              {i > 0 ? ' · ' : ''}
              <InlineLink href={l.href} className={cls.link} color={light.link}>
                {l.label}
              </InlineLink>
            </Fragment>
          ))}
        </Text>
      ) : null}
    </>
  );

  return (
    <tr>
      <td className={`pb-pad ${cls.rule}`} style={{ padding: '14px 28px', borderTop: `1px solid ${light.border}` }}>
        {thumb ? (
          <Row>
            <Column className="pb-stack" style={{ width: 120, verticalAlign: 'top', paddingRight: 14 }}>
              {/* Decorative: the title beside it says what the paper is. Alt text would make
                  screen readers read the title twice and clutter the card when images are blocked. */}
              <Img src={thumb} width={120} height={68} alt="" style={{ borderRadius: 6, width: 120, height: 68, objectFit: 'cover' }} />
            </Column>
            <Column className="pb-stack" style={{ verticalAlign: 'top' }}>
              {body}
            </Column>
          </Row>
        ) : (
          body
        )}
      </td>
    </tr>
  );
}
