import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseHfDailyPapers } from '../../src/sources/hf.js';
import { loadDigest } from '../../src/sources/index.js';
import { FIXTURES } from '../helpers/workspace.js';

const fixture = () => JSON.parse(readFileSync(path.join(FIXTURES, 'hf-daily-papers.json'), 'utf8'));

describe('Hugging Face daily papers', () => {
  it('keeps what the email can use', async () => {
    const d = await loadDigest(path.join(FIXTURES, 'hf-daily-papers.json'), { today: '2025-08-20' });
    expect(d.papers).toHaveLength(6);
    expect(d.papers[0]).toEqual({
      title: 'ALIGN: Word Association Learning for Cross-Cultural Generalization in Large Language Models',
      abstract: expect.stringMatching(/^As large language models \(LLMs\) increasingly mediate cross-cultural communication, their/),
      authors: ['Chunhua Liu', 'Kabir Manandhar Shrestha', 'Sukai Huang'],
      arxivId: '2508.13426',
      upvotes: 42,
      publishedAt: '2025-08-19T01:02:03.000Z',
      links: {
        page: 'https://huggingface.co/papers/2508.13426',
        pdf: 'https://arxiv.org/pdf/2508.13426',
        code: 'https://github.com/example/align-word-association',
        project: 'https://example.org/align',
        thumbnail: 'https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2508.13426.png',
      },
      extra: {
        tldr: "Fine-tuning LLMs on native speakers' word-association norms aligns them with a target culture at a fraction of the cost of retraining.",
        keywords: ['word association', 'cultural alignment', 'PPO'],
        stars: 1234,
        organization: 'University of Melbourne',
      },
    });
  });

  it('joins hard line breaks, leaves hidden authors out, and takes upvotes only from paper.upvotes', async () => {
    const d = parseHfDailyPapers(fixture(), 'hf');
    expect(d.papers[0]!.abstract).not.toContain('\n');
    expect(d.papers[1]!.authors).toEqual(['Hao Zhang', 'Basura Fernando']);
    expect(d.papers[4]!.upvotes).toBeUndefined();
  });

  it('makes a relative thumbnail absolute, drops a javascript: link with a warning, skips an entry without a title', () => {
    const d = parseHfDailyPapers(fixture(), 'hf');
    expect(d.papers[3]!.links.thumbnail).toBe('https://huggingface.co/social-thumbnails/papers/2508.13434.png');
    expect(d.papers[2]!.links.project).toBeUndefined();
    expect(d.warnings).toEqual(['hf: [2].paper.projectPage: dropped, not an http(s) URL', 'hf: [6]: skipped, no title']);
  });

  it('takes an empty list as an empty day, not an error', () => {
    expect(parseHfDailyPapers([], 'hf').papers).toEqual([]);
  });

  it('rejects an error object and a list of the wrong shape, whole', () => {
    expect(() => parseHfDailyPapers({ error: 'Invalid date' }, 'hf')).toThrow('hf: the Hugging Face API answered with an error: Invalid date');
    const bad = fixture();
    bad[3].paper.upvotes = 'many';
    expect(() => parseHfDailyPapers(bad.concat([{ title: 'no paper object' }]), 'hf')).toThrow(/^hf: \[7\]\.paper: /);
  });
});
