import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDigest } from '../../src/sources/index.js';
import { parseDate, parseTrendingText } from '../../src/sources/text.js';
import { SEED } from '../helpers/workspace.js';

const seed = readFileSync(SEED, 'utf8');

describe('the trending-papers page', () => {
  it('reads the seed: byline, date, and all 77 papers in order', () => {
    const d = parseTrendingText(seed, 'seed.txt', '2026-11-26');
    expect(d.byline).toBe('by AK and the research community');
    expect(d.date).toBe('2026-03-17');
    expect(d.papers).toHaveLength(77);
    expect(d.papers[0]!.title).toBe('X-LLM: Bootstrapping Advanced Large Language Models by Treating Multi-Modalities as Foreign Languages');
    expect(d.papers[0]!.abstract).toMatch(/^Large language models \(LLMs\) have demonstrated/);
    expect(d.papers[76]!.title).toBe('Lexinvariant Language Models');
    expect(d.warnings).toEqual([]);
  });

  it('takes the most recent past date when the page gives no year', () => {
    expect(parseDate('Mar 17', '2026-03-17')).toBe('2026-03-17');
    expect(parseDate('Mar 17', '2026-03-16')).toBe('2025-03-17');
    expect(parseDate('March 17, 2024', '2026-01-01')).toBe('2024-03-17');
    expect(parseDate('17 Mar 2024', '2026-01-01')).toBe('2024-03-17');
    expect(parseDate('2024-02-30', '2026-01-01')).toBeUndefined();
    expect(parseDate('Subscribe', '2026-01-01')).toBeUndefined();
    expect(parseDate('Mars 17', '2026-01-01')).toBeUndefined();
  });

  it('joins an abstract wrapped over several lines and collapses whitespace', () => {
    const d = parseTrendingText('Mar 1\n\nA  title\n\nfirst line\nsecond\tline\n', 'x', '2026-05-01');
    expect(d.papers).toEqual([{ title: 'A title', abstract: 'first line second line', authors: [], links: {}, extra: {} }]);
  });

  it('keeps the first of two papers with the same title, with a warning naming the line', () => {
    const d = parseTrendingText('Mar 1\n\nSame Title\n\nOne.\n\nsame title!\n\nTwo.\n', 'x.txt', '2026-05-01');
    expect(d.papers).toHaveLength(1);
    expect(d.warnings[0]).toMatch(/^x\.txt:7: "same title!" appears twice/);
  });

  it.each([
    ['no date', 'Header\n\nTitle\n\nAbstract\n', /x:1: no date line/],
    ['a title without abstract', 'Mar 1\n\nTitle\n', /x:3: paper "Title" has no abstract/],
    ['nothing after the date', 'Header\n\nMar 1\n', /x:3: no papers after the date line/],
    ['a paragraph too long for a title', `Mar 1\n\n${'word '.repeat(80)}\n\nAbstract\n`, /x:3: expected a paper title, found a 399-character/],
  ])('rejects %s with the line number', (_name, text, message) => {
    expect(() => parseTrendingText(text, 'x', '2026-05-01')).toThrow(message);
  });

  it('is detected by --format auto', () => {
    expect(parseDigest(seed, 'seed', 'auto', { today: '2026-11-26' }).papers).toHaveLength(77);
  });
});
