/**
 * Issue 16, item 5: no field from a source may be as large as it likes. A 60 MB title was
 * ingested, and sending it took a minute and a 327 MB email. Every source (Paperboy JSON, Hugging
 * Face, arXiv, the trending-papers page) now skips a paper with an oversized field, says which
 * field and by how much, and keeps the rest of the digest.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArxivFeed } from '../../src/sources/arxiv.js';
import { parseHfDailyPapers } from '../../src/sources/hf.js';
import { parsePaperboyData } from '../../src/sources/json.js';
import { parseTrendingText } from '../../src/sources/text.js';
import { FIXTURES } from '../helpers/workspace.js';

/** The limits as the README states them (src/sources/limits.ts). */
const LIMITS = { title: 1_000, abstract: 10_000, authors: 10_000, url: 2_048, tldr: 2_000, keywords: 100, keyword: 100, organization: 300, count: 10_000_000 };
const long = (n: number, unit = 'a') => unit.repeat(n);
const names = (n: number) => Array.from({ length: n }, (_, i) => `Author ${i}`);

describe('Paperboy JSON', () => {
  const paper = (extra: Record<string, unknown>, title = 'An oversized paper') => ({ title, abstract: 'Fine.', ...extra });
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['title', { title: long(2_000_000) }, /title is 2,000,000 characters, over the limit of 1,000/],
    ['abstract', { abstract: long(200_000) }, /abstract is 200,000 characters, over the limit of 10,000/],
    ['author count', { authors: names(LIMITS.authors + 1) }, /10,001 authors, over the limit of 10,000/],
    ['author name', { authors: ['Ada', long(301)] }, /author 2 is 301 characters, over the limit of 300/],
    ['url', { url: `https://example.org/${long(5000)}` }, /url is 5,020 characters, over the limit of 2,048/],
    ['code url', { code_url: `https://github.com/${long(3000)}` }, /code_url is 3,019 characters, over the limit of 2,048/],
    ['tldr', { tldr: long(2001) }, /tldr is 2,001 characters, over the limit of 2,000/],
    ['keyword count', { keywords: names(101) }, /101 keywords, over the limit of 100/],
    ['keyword length', { keywords: ['ok', long(101)] }, /keyword 2 is 101 characters, over the limit of 100/],
    ['organization', { organization: long(301) }, /organization is 301 characters, over the limit of 300/],
    ['upvotes', { upvotes: 3_000_000_000 }, /upvotes 3,000,000,000 is over the limit of 10,000,000/],
    ['stars', { stars: 20_000_000 }, /stars 20,000,000 is over the limit of 10,000,000/],
  ];
  for (const [what, fields, reason] of cases) {
    it(`skips a paper with an oversized ${what}, says why, and keeps the others`, () => {
      const d = parsePaperboyData({ papers: [{ title: 'First', abstract: 'A.' }, paper(fields), { title: 'Last', abstract: 'B.' }] }, 'big.json');
      expect(d.papers.map((p) => p.title)).toEqual(['First', 'Last']);
      expect(d.warnings).toHaveLength(1);
      expect(d.warnings[0]).toMatch(/^big\.json: papers\[1\]: skipped ".{1,61}": /);
      expect(d.warnings[0]).toMatch(reason);
      expect(d.warnings[0]!.length).toBeLessThan(200);
    });
  }

  it('takes a paper exactly at every limit', () => {
    const at = {
      title: long(LIMITS.title),
      abstract: long(LIMITS.abstract),
      authors: names(LIMITS.authors),
      url: `https://example.org/${long(LIMITS.url - 20)}`,
      tldr: long(LIMITS.tldr),
      keywords: Array.from({ length: LIMITS.keywords }, (_, i) => `${i}${long(LIMITS.keyword - String(i).length)}`),
      organization: long(LIMITS.organization),
      upvotes: LIMITS.count,
      stars: LIMITS.count,
    };
    const d = parsePaperboyData({ papers: [at] }, 'edge.json');
    expect(d.warnings).toEqual([]);
    expect(d.papers).toHaveLength(1);
  });
});

describe('Hugging Face daily papers', () => {
  it('skips an item with an oversized field and keeps the others', () => {
    const items = JSON.parse(readFileSync(path.join(FIXTURES, 'hf-daily-papers.json'), 'utf8'));
    items[1].paper.title = long(1001);
    items[2].paper.authors = names(LIMITS.authors + 1).map((name) => ({ name }));
    items[3].paper.ai_keywords = names(LIMITS.keywords + 1);
    items[4].paper.upvotes = 2 ** 40;
    items[5].thumbnail = `/${long(3000)}.png`;
    const d = parseHfDailyPapers(items, 'hf');
    expect(d.papers).toHaveLength(1);
    const skipped = d.warnings.filter((w) => /skipped "/.test(w));
    expect(skipped).toEqual([
      expect.stringMatching(/^hf: \[1\]: skipped "a{59}…": title is 1,001 characters, over the limit of 1,000$/),
      expect.stringMatching(/^hf: \[2\]: skipped ".+": 10,001 authors, over the limit of 10,000$/),
      expect.stringMatching(/^hf: \[3\]: skipped ".+": 101 keywords, over the limit of 100$/),
      expect.stringMatching(/^hf: \[4\]: skipped ".+": upvotes 1,099,511,627,776 is over the limit of 10,000,000$/),
      expect.stringMatching(/^hf: \[5\]: skipped ".+": thumbnail is 3,\d{3} characters, over the limit of 2,048$/),
    ]);
  });
});

describe('arXiv feeds', () => {
  it('skips an entry with an oversized field and keeps the others', () => {
    const xml = readFileSync(path.join(FIXTURES, 'arxiv-api.atom.xml'), 'utf8');
    const first = xml.indexOf('<entry>');
    const end = xml.indexOf('</entry>', first) + '</entry>'.length;
    const entry = xml.slice(first, end);
    const huge = entry
      .replace(/<title>[^<]*<\/title>/, '<title>A paper with a very long abstract</title>')
      .replace(/<summary>[^<]*<\/summary>/, `<summary>${long(20_000, 'word ')}</summary>`)
      .replace(/<id>[^<]*<\/id>/, '<id>http://arxiv.org/abs/2509.99999v1</id>');
    const d = parseArxivFeed(xml.slice(0, first) + huge + xml.slice(first), 'api.xml', { includeCross: false });
    const plain = parseArxivFeed(xml, 'api.xml', { includeCross: false });
    expect(d.papers.map((p) => p.arxivId)).toEqual(plain.papers.map((p) => p.arxivId));
    expect(d.warnings).toContainEqual('api.xml: entry 1: skipped "A paper with a very long abstract": abstract is 99,999 characters, over the limit of 10,000');
  });
});

describe('the trending-papers page', () => {
  it('skips a paper with an oversized abstract and keeps the others', () => {
    const page = `Trending Papers\n\nby AK and the research community\n\nMar 17\n\nFirst\n\nShort.\n\nSecond\n\n${long(10_001)}\n\nThird\n\nShort too.\n`;
    const d = parseTrendingText(page, 'page.txt', '2026-03-20');
    expect(d.papers.map((p) => p.title)).toEqual(['First', 'Third']);
    expect(d.warnings).toEqual(['page.txt:11: skipped "Second": abstract is 10,001 characters, over the limit of 10,000']);
  });
});
