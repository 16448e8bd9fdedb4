/**
 * Digest props for render tests: the seed page as store papers, and the preview fixture.
 */
import { readFileSync } from 'node:fs';
import type { TrendingPapersProps } from '../../emails/TrendingPapers.js';
import TrendingPapers from '../../emails/TrendingPapers.js';
import type { Paper } from '../../src/domain.js';
import { digestProps } from '../../src/render/digest.js';
import { paperId, titleKey } from '../../src/lib/paper-ids.js';
import { parseTrendingText } from '../../src/sources/text.js';
import { SEED } from './workspace.js';

export const masthead = {
  newsletterName: 'Paperboy',
  tagline: 'Get trending papers in your email inbox!',
  byline: 'by AK and the research community',
  postalAddress: 'Paperboy, 1 Example Street, 00000 Example City',
};

export const urls = {
  unsubscribeUrl: 'https://paperboy.example.org/unsubscribe/AQAAAAAAAAABjjq2pGAn5z1sR6wltpoWPw',
  preferencesUrl: 'https://paperboy.example.org/preferences/AgAAAAAAAAABMbVVgDDA-GH9K7nD0IQQ4A',
  archiveUrl: 'https://paperboy.example.org/archive/42',
};

/** The 77 papers of the seed page, as the store would hold them. */
export function seedPapers(): Paper[] {
  const d = parseTrendingText(readFileSync(SEED, 'utf8'), 'seed', '2026-11-26');
  return d.papers.map((p, i) => ({ ...p, id: paperId(p), titleKey: titleKey(p.title), seq: i + 1, firstSeenAt: '', updatedAt: '', source: 'seed' }));
}

/** Props for an issue of the first `n` seed papers. */
export function seedDigest(n = 77): TrendingPapersProps {
  return digestProps(masthead, { issueDate: '2026-03-17', frequency: 'daily' }, seedPapers().slice(0, n), urls);
}

/** The preview fixture (authors, upvotes, TL;DR, thumbnail, code links) with real-looking URLs. */
export function previewDigest(): TrendingPapersProps {
  return { ...TrendingPapers.PreviewProps, ...urls };
}
