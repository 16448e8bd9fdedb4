import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePaperboyJson } from '../../src/sources/json.js';
import { loadDigest } from '../../src/sources/index.js';
import { FIXTURES } from '../helpers/workspace.js';

describe('Paperboy JSON', () => {
  it('reads the fixture with ids, links, authors and upvotes', async () => {
    const d = await loadDigest(path.join(FIXTURES, 'papers.json'), { today: '2026-11-26' });
    expect(d.papers).toHaveLength(7);
    expect(d.date).toBe('2025-08-20');
    const p = d.papers[0]!;
    expect(p.arxivId).toBe('2508.13426');
    expect(p.links.page).toBe('https://arxiv.org/abs/2508.13426');
    expect(p.authors).toEqual(['Chunhua Liu', 'Kabir Manandhar Shrestha', 'Sukai Huang']);
    expect(p.upvotes).toBe(42);
  });

  it('drops an unsafe link with a warning and keeps the paper', () => {
    const d = parsePaperboyJson(
      JSON.stringify({ papers: [{ title: 'T', abstract: 'A', url: 'javascript:alert(1)', code_url: 'https://github.com/x/y' }] }),
      'p.json',
    );
    expect(d.papers[0]!.links).toEqual({ code: 'https://github.com/x/y' });
    expect(d.warnings).toEqual(['p.json: papers[0].url: dropped, not an http(s) URL']);
  });

  it.each([
    ['a missing title', { papers: [{ abstract: 'A' }] }, /p\.json: papers\[0\]\.title: /],
    ['an empty abstract', { papers: [{ title: 'T', abstract: '   ' }] }, /papers\[0\]\.abstract: must not be empty/],
    ['negative upvotes', { papers: [{ title: 'T', abstract: 'A', upvotes: -1 }] }, /papers\[0\]\.upvotes/],
    ['a bad date', { papers: [{ title: 'T', abstract: 'A', published_at: 'yesterday' }] }, /papers\[0\]\.published_at: must be an ISO date/],
    ['a list instead of an object', [{ title: 'T' }], /p\.json: \(root\): /],
  ])('rejects %s with the JSON path', (_n, doc, message) => {
    expect(() => parsePaperboyJson(JSON.stringify(doc), 'p.json')).toThrow(message);
  });

  it('points at the line and column of broken JSON', () => {
    const raw = readFileSync(path.join(FIXTURES, 'broken', 'invalid.json'), 'utf8');
    expect(() => parsePaperboyJson(raw, 'bad.json')).toThrow(/^bad\.json:\d+:\d+: not valid JSON/);
  });
});
