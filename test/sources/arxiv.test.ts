import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArxivFeed } from '../../src/sources/arxiv.js';
import { detectFormat, parseDigest } from '../../src/sources/index.js';
import { FIXTURES } from '../helpers/workspace.js';

const read = (f: string) => readFileSync(path.join(FIXTURES, f), 'utf8');
const parse = (f: string, includeCross = false) => parseArxivFeed(read(f), f, { includeCross });

describe('arXiv announcement feeds', () => {
  it('takes new papers, and cross-lists only when configured', () => {
    expect(parse('arxiv-cs.AI.atom.xml').papers.map((p) => p.arxivId)).toEqual(['2508.14001', '2508.14002']);
    expect(parse('arxiv-cs.AI.atom.xml', true).papers).toHaveLength(7);
  });

  it('reads the id without version, the abstract without its prefix, comma-separated authors and categories', () => {
    const p = parse('arxiv-cs.AI.atom.xml', true).papers[0]!;
    expect(p).toMatchObject({
      arxivId: '2508.13426',
      title: 'ALIGN: Word Association Learning for Cross-Cultural Generalization in Large Language Models',
      authors: ['Chunhua Liu', 'Kabir Manandhar Shrestha', 'Sukai Huang'],
      links: { page: 'https://arxiv.org/abs/2508.13426', pdf: 'https://arxiv.org/pdf/2508.13426' },
      extra: { categories: ['cs.CL', 'cs.AI'] },
    });
    expect(p.abstract).toMatch(/^As large language models \(LLMs\) increasingly mediate/);
    expect(p.abstract).not.toMatch(/arXiv:|Announce Type|Abstract:/);
  });

  it('reads the RSS form of the same announcement to the same papers', () => {
    const atom = parse('arxiv-cs.AI.atom.xml', true).papers;
    const rss = parse('arxiv-cs.AI.rss.xml', true).papers;
    expect(rss.map(({ publishedAt: _p, ...x }) => x)).toEqual(atom.map(({ publishedAt: _p, ...x }) => x));
  });

  it('marks replacements as revisions', () => {
    const d = parse('arxiv-cs.AI-next.atom.xml');
    expect(d.papers.map((p) => [p.arxivId, p.revision ?? false])).toEqual([
      ['2508.13426', true],
      ['2507.01234', true],
      ['2508.15001', false],
    ]);
  });

  it('takes an empty announcement (weekends) as no papers, not an error', () => {
    expect(parse('arxiv-empty.atom.xml').papers).toEqual([]);
  });
});

describe('the arXiv API', () => {
  it('reads one <author><name> per author, the primary category first, and collapses wrapped abstracts', () => {
    const d = parse('arxiv-api.atom.xml');
    expect(d.papers).toHaveLength(4);
    expect(d.papers[0]).toMatchObject({
      arxivId: '2508.13426',
      authors: ['Chunhua Liu', 'Kabir Manandhar Shrestha', 'Sukai Huang'],
      publishedAt: '2025-08-19T01:02:03.000Z',
      extra: { categories: ['cs.CL', 'cs.AI'] },
    });
    expect(d.papers[0]!.abstract).not.toMatch(/\s{2}|\n/);
  });

  it('turns an API error entry into an error', () => {
    const xml = `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/api/errors#incorrect_id_format_for_1234</id><title>Error</title><summary>incorrect id format for 1234</summary></entry></feed>`;
    expect(() => parseArxivFeed(xml, 'api', { includeCross: false })).toThrow('api: the arXiv API answered with an error: incorrect id format for 1234');
  });
});

describe('broken XML', () => {
  it.each([
    ['broken/truncated.atom.xml', /truncated\.atom\.xml:43: not valid XML: the document ends inside <feed>, <entry>, <summary> \(cut off\?\)/],
    ['broken/entity-bomb.atom.xml', /entity declarations are not accepted/],
  ])('rejects %s whole', (f, message) => {
    expect(() => parseDigest(read(f), f, 'auto', { today: '2025-08-20' })).toThrow(message);
  });

  it('skips an entry without a title, and says which', () => {
    const xml = read('arxiv-cs.AI.atom.xml').replace(/<title>Neural Architecture Search[^<]*<\/title>/, '<title></title>');
    const d = parseArxivFeed(xml, 'feed', { includeCross: false });
    expect(d.papers.map((p) => p.arxivId)).toEqual(['2508.14002']);
    expect(d.warnings).toEqual(['feed: entry 6: skipped, no title']);
  });
});

describe('format detection', () => {
  it.each([
    ['trending-papers.txt', 'text'],
    ['papers.json', 'json'],
    ['hf-daily-papers.json', 'json'],
    ['arxiv-cs.AI.atom.xml', 'arxiv'],
    ['arxiv-cs.AI.rss.xml', 'arxiv'],
    ['arxiv-api.atom.xml', 'arxiv'],
  ])('tells %s apart', (f, kind) => {
    expect(detectFormat(read(f), f)).toBe(kind);
  });

  it('reads Hugging Face JSON and Paperboy JSON by shape', () => {
    expect(parseDigest(read('hf-daily-papers.json'), 'hf', 'auto', { today: '2025-08-20' }).papers[0]!.links.page).toMatch(/huggingface\.co\/papers/);
    expect(parseDigest(read('papers.json'), 'pb', 'auto', { today: '2025-08-20' }).papers).toHaveLength(7);
  });

  it.each([
    ['broken/not-a-feed.xml', /XML that is not an Atom or RSS feed; expected a trending-papers page/],
    ['broken/unknown-format.txt', /unknown format; expected a trending-papers page .*Paperboy JSON, Hugging Face daily papers JSON, or an arXiv Atom\/RSS feed/],
  ])('says what it expected for %s', (f, message) => {
    expect(() => detectFormat(read(f), f)).toThrow(message);
  });
});

describe('TeX in arXiv metadata', () => {
  it("turns accents into letters: the sample feed has Andr\\'e", async () => {
    const { detex } = await import('../../src/sources/normalize.js');
    expect(detex("Paulo Andr\\'e Lima de Castro")).toBe('Paulo André Lima de Castro');
    expect(detex('J{\\"o}rg M\\"uller, Fran\\c{c}ois, \\~Nu\\~nez, G\\`erard, Stra{\\ss}e')).toBe('Jörg Müller, François, Ñuñez, Gèrard, Straße');
    expect(detex('no TeX here, 100% plain')).toBe('no TeX here, 100% plain');
    expect(parse('arxiv-cs.AI.atom.xml', true).papers[2]!.authors).toEqual(['Paulo André Lima de Castro']);
  });
});
