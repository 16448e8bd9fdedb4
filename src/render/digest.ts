/**
 * The renderer: papers of one variant → the digest's HTML and text, rendered once with
 * React Email. Per-recipient values are placeholders here; the sender fills them in.
 */
import { render } from '@react-email/components';
import { createElement } from 'react';
import TrendingPapers, { type DigestPaper, type TrendingPapersProps, trendingPapersText } from '../../emails/TrendingPapers.js';
import type { Paper } from '../domain.js';
import { fallbackPaperUrl } from '../sources/normalize.js';

/** The newsletter-wide values every issue shows. */
export interface Masthead {
  newsletterName: string;
  tagline: string;
  byline: string;
  postalAddress: string;
}

/** A rendered variant: both parts, ready to become a MIME message. */
export interface RenderedDigest {
  html: string;
  text: string;
  paperCount: number;
}

/** The email's view of a paper: a link always, the paper page when known. */
export function toDigestPaper(p: Paper): DigestPaper {
  return {
    title: p.title,
    url: p.links.page ?? fallbackPaperUrl(p),
    abstract: p.abstract,
    authors: p.authors,
    ...(p.upvotes !== undefined ? { upvotes: p.upvotes } : {}),
  };
}

/** "2026-11-26" → "November 26, 2026". */
export function displayDate(isoDate: string): string {
  return new Date(`${isoDate}T12:00:00Z`).toLocaleDateString('en-US', {
    month: 'long',
    day: 'numeric',
    year: 'numeric',
    timeZone: 'UTC',
  });
}

/** The props for one variant; `unsubscribeUrl` is whatever the caller passes (a placeholder when sending). */
export function digestProps(masthead: Masthead, issueDate: string, papers: Paper[], unsubscribeUrl: string): TrendingPapersProps {
  return {
    ...masthead,
    issueDate: displayDate(issueDate),
    papers: papers.map(toDigestPaper),
    unsubscribeUrl,
  };
}

/** Renders both parts of the digest. */
export async function renderDigest(props: TrendingPapersProps): Promise<RenderedDigest> {
  const html = await render(createElement(TrendingPapers, props));
  return { html, text: trendingPapersText(props), paperCount: props.papers.length };
}
