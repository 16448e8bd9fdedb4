import { describe, expect, it } from 'vitest';
import type { Paper } from '../../src/domain.js';
import { TopicMatcher, compileTopic, matchesTopic, searchable, singular, tokenize } from '../../src/issue/topics.js';

let seq = 0;
const paper = (title: string, abstract = '', keywords?: string[]): Paper =>
  ({ id: `p${++seq}`, seq, title, abstract, extra: keywords ? { keywords } : {} }) as Paper;
const matches = (topic: string, p: Paper) => matchesTopic(searchable(p), compileTopic(topic)!);

describe('topic matching', () => {
  it('puts words in the singular by simple rules, the same way for topics and papers', () => {
    const cases: [string, string][] = [
      ['agents', 'agent'],
      ['models', 'model'],
      ['policies', 'policy'],
      ['classes', 'class'],
      ['patches', 'patch'],
      ['llms', 'llm'],
      ['lms', 'lm'],
      ['gpus', 'gpu'],
      ['biases', 'bias'],
      ['caches', 'cache'],
      ['loss', 'loss'],
      ['corpus', 'corpus'],
      ['analysis', 'analysis'],
      ['bias', 'bias'],
      ['its', 'its'],
      ['rl', 'rl'],
      ['diffusion', 'diffusion'],
    ];
    for (const [word, want] of cases) expect(singular(word), word).toBe(want);
    expect(tokenize('LLM-based Agents, GPT-4V; "Diffusion"')).toEqual(['llm', 'based', 'agent', 'gpt', '4v', 'diffusion']);
  });

  it('matches RL as a whole word, never inside URL or CURL', () => {
    expect(matches('rl', paper('Offline RL for robots'))).toBe(true);
    expect(matches('RL', paper('A survey', 'We use deep-RL agents.'))).toBe(true);
    expect(matches('rl', paper('Parsing every URL on the web', 'CURL and curl-like tools; RLHF and URLs too.'))).toBe(false);
    expect(matches('rl', paper('Reward models', 'An RL-free recipe.'))).toBe(true);
  });

  it('matches plural and singular both ways', () => {
    expect(matches('agents', paper('One agent to rule them all'))).toBe(true);
    expect(matches('agent', paper('Many agents'))).toBe(true);
    expect(matches('policy', paper('Learning policies from play'))).toBe(true);
    expect(matches('policies', paper('A policy gradient'))).toBe(true);
    expect(matches('diffusion models', paper('Aligning Diffusion Models without Reference'))).toBe(true);
    expect(matches('diffusion models', paper('A diffusion model for video'))).toBe(true);
    expect(matches('diffusion model', paper('Two diffusion models'))).toBe(true);
  });

  it('matches phrases across hyphens and punctuation, ignoring case', () => {
    expect(matches('agents', paper('LLM-based agents for the web'))).toBe(true);
    expect(matches('llm agents', paper('LLM agents in the wild'))).toBe(true);
    expect(matches('llm agents', paper('An LLM-agent benchmark'))).toBe(true);
    expect(matches('LLM Agents', paper('Building an llm agent'))).toBe(true);
    expect(matches('vision-language', paper('Vision Language Models'))).toBe(true);
    expect(matches('x-llm', paper('X-LLM: Bootstrapping'))).toBe(true);
  });

  it('does not match a phrase whose words are apart, out of order, or split between fields', () => {
    expect(matches('llm agents', paper('LLM tools and agents'))).toBe(false);
    expect(matches('llm agents', paper('Agents of an LLM'))).toBe(false);
    expect(matches('language models', paper('On language', 'Models of everything'))).toBe(false);
    expect(matches('diffusion models', paper('Diffusion', '', ['models']))).toBe(false);
  });

  it('searches the keywords field', () => {
    const p = paper('Untitled', 'Nothing here.', ['Reinforcement Learning', 'RLHF']);
    expect(matches('reinforcement learning', p)).toBe(true);
    expect(matches('rlhf', p)).toBe(true);
    expect(matches('rl', p)).toBe(false);
  });

  it('computes each combination once, keeping the given order, and treats equal lists as one', () => {
    const papers = [paper('Agents at scale'), paper('Diffusion models'), paper('Unrelated'), paper('An LLM agent')];
    const m = new TopicMatcher(papers);
    expect(m.key(['LLM Agents', 'rl'])).toBe(m.key(['rl', 'llm agent', 'rl']));
    expect(m.select(['agent']).map((p) => p.title)).toEqual(['Agents at scale', 'An LLM agent']);
    expect(m.select(['diffusion models', 'agents']).map((p) => p.title)).toEqual(['Agents at scale', 'Diffusion models', 'An LLM agent']);
    expect(m.select(['quantum'])).toEqual([]);
    expect(m.papersFor(m.key(['agent']))).toBe(m.papersFor(m.key(['agents'])));
    expect(m.select([])).toEqual(papers);
  });
});
