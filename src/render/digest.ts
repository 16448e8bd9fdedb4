/**
 * The renderer: papers of one variant → the digest's HTML and text, rendered once with
 * React Email. Per-recipient values are placeholders here; the sender fills them in.
 * `@react-email/render` (2.0.10 and later) leaves out the `<link rel="preload">` React 19 adds
 * for every `<img>`: no mail client uses them, and each would cost bytes towards Gmail's clip.
 */
import { render } from '@react-email/render';
import { createElement } from 'react';
import TrendingPapers, { type DigestPaper, type TrendingPapersProps, abstractChars, trendingPapersText } from '../../emails/TrendingPapers.js';
import type { Config } from '../config.js';
import type { Frequency, Paper } from '../domain.js';
import { fallbackPaperUrl } from '../sources/normalize.js';

/** The newsletter-wide values every issue shows. */
export interface Masthead {
  newsletterName: string;
  tagline: string;
  byline: string;
  postalAddress: string;
}

/** The masthead the config describes (the byline defaults to the newsletter and the research community). */
export function mastheadOf(config: Pick<Config, 'NEWSLETTER_NAME' | 'NEWSLETTER_TAGLINE' | 'BYLINE' | 'POSTAL_ADDRESS'>): Masthead {
  return {
    newsletterName: config.NEWSLETTER_NAME,
    tagline: config.NEWSLETTER_TAGLINE,
    byline: config.BYLINE ?? `by ${config.NEWSLETTER_NAME} and the research community`,
    postalAddress: config.POSTAL_ADDRESS,
  };
}

/** A rendered variant: both parts, ready to become a MIME message. */
export interface RenderedDigest {
  html: string;
  text: string;
  paperCount: number;
}

/** The email's view of a paper: a link always (the paper page when known), and whatever else the source had. */
export function toDigestPaper(p: Paper): DigestPaper {
  const optional = {
    tldr: p.extra.tldr,
    upvotes: p.upvotes,
    thumbnail: p.links.thumbnail,
    pdfUrl: p.links.pdf ?? (p.arxivId ? `https://arxiv.org/pdf/${p.arxivId}` : undefined),
    codeUrl: p.links.code,
    stars: p.extra.stars,
    projectUrl: p.links.project,
  };
  return {
    title: p.title,
    url: p.links.page ?? fallbackPaperUrl(p),
    abstract: p.abstract,
    authors: p.authors,
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
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

/** Links in the footer: per recipient (placeholders when sending) and the archive page. */
export interface FooterUrls {
  unsubscribeUrl?: string;
  preferencesUrl?: string;
  archiveUrl?: string;
}

/** The props for one variant. */
export function digestProps(masthead: Masthead, issue: { issueDate: string; frequency: Frequency }, papers: Paper[], urls: FooterUrls): TrendingPapersProps {
  return {
    ...masthead,
    issueDate: displayDate(issue.issueDate),
    frequency: issue.frequency,
    papers: papers.map(toDigestPaper),
    ...urls,
  };
}

/** Gmail clips a message whose HTML is over 102 KB; stay a little under it (decimal KB, the stricter reading). */
export const HTML_BUDGET_BYTES = 100_000;
const SHORTER = [200, 140, 100, 60];

/**
 * Renders both parts of the digest. When the HTML would be clipped by Gmail (papers with many
 * links and authors), abstracts are shortened step by step until it fits; every paper keeps
 * its link to the full abstract.
 */
export async function renderDigest(props: TrendingPapersProps): Promise<RenderedDigest> {
  let chosen = props;
  let html = await render(createElement(TrendingPapers, chosen));
  const start = props.abstractChars ?? abstractChars(props.papers.length);
  for (const chars of SHORTER.filter((c) => c < start)) {
    if (Buffer.byteLength(html) <= HTML_BUDGET_BYTES) break;
    chosen = { ...props, abstractChars: chars };
    html = await render(createElement(TrendingPapers, chosen));
  }
  return { html, text: trendingPapersText(chosen), paperCount: props.papers.length };
}
