/**
 * Topic matching: which papers a reader's topics pick out.
 *
 * A topic is a word or a phrase ("RL", "diffusion models", "LLM agents"). It matches a paper
 * when its words occur next to each other, in order, as whole words of the paper's title,
 * abstract, keywords or categories, ignoring case. Text is cut into words at anything that is
 * not a letter or a digit (so "LLM-based agents" holds the word "agents", and "URL" never holds
 * "RL"), and every word is put in the singular by a few simple rules, applied the same way to
 * topics and papers: "agents" ~ "agent", "models" ~ "model", "policies" ~ "policy".
 *
 * Pure and synchronous: each paper is normalised once, each topic compiled once, and the papers
 * of a topic combination computed once per distinct combination (readers share combinations).
 */
import type { Paper } from '../domain.js';

/** Plurals the rules below get wrong, and words that only look plural. */
const IRREGULAR: Record<string, string> = {
  analyses: 'analysis',
  apis: 'api',
  biases: 'bias',
  caches: 'cache',
  cpus: 'cpu',
  criteria: 'criterion',
  gpus: 'gpu',
  hypotheses: 'hypothesis',
  indices: 'index',
  lenses: 'lens',
  matrices: 'matrix',
  niches: 'niche',
  phenomena: 'phenomenon',
  rois: 'roi',
  series: 'series',
  species: 'species',
  theses: 'thesis',
  tpus: 'tpu',
  vertices: 'vertex',
};
const NOT_PLURAL = new Set(['alias', 'atlas', 'bias', 'canvas', 'chaos', 'lens', 'news', 'whereas', 'always', 'perhaps']);

/**
 * The singular of a lower-case word, by simple rules: "policies" → "policy", "classes" →
 * "class", "patches" → "patch", "agents" → "agent", "LLMs" → "llm". Words ending in -ss, -us
 * or -is stay ("loss", "corpus", "analysis"); so do short words ("gas", "its"), except that a
 * three-letter word without a vowel before its s is an acronym's plural ("lms" → "lm").
 */
export function singular(word: string): string {
  const irregular = IRREGULAR[word];
  if (irregular) return irregular;
  const n = word.length;
  if (n < 3 || word[n - 1] !== 's' || NOT_PLURAL.has(word)) return word;
  if (n === 3) return /[aeiouy]/.test(word.slice(0, 2)) ? word : word.slice(0, 2);
  if (word.endsWith('ss') || word.endsWith('us') || word.endsWith('is')) return word;
  if (n > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.endsWith('sses') || word.endsWith('xes') || word.endsWith('zzes') || word.endsWith('ches') || word.endsWith('shes')) {
    return word.slice(0, -2);
  }
  return word.slice(0, -1);
}

/** The words of `text`: NFKC, lower case, split at anything but letters and digits, in the singular. */
export function tokenize(text: string): string[] {
  const words = text
    .normalize('NFKC')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u);
  const out: string[] = [];
  for (const w of words) if (w) out.push(singular(w));
  return out;
}

/** A paper's searchable words, with where each word occurs. */
export interface SearchablePaper {
  /** The words of each field in turn; an empty string between fields, so no phrase spans two. */
  words: string[];
  positions: Map<string, number[]>;
}

/** Normalises a paper's title, abstract, keywords and categories into one word sequence. */
export function searchable(paper: Pick<Paper, 'title' | 'abstract' | 'extra'>): SearchablePaper {
  const fields = [paper.title, paper.abstract, ...(paper.extra.keywords ?? []), ...(paper.extra.categories ?? [])];
  const words: string[] = [];
  for (const f of fields) {
    if (typeof f !== 'string') continue;
    words.push(...tokenize(f), '');
  }
  const positions = new Map<string, number[]>();
  words.forEach((w, i) => {
    if (!w) return;
    const at = positions.get(w);
    if (at) at.push(i);
    else positions.set(w, [i]);
  });
  return { words, positions };
}

/** A compiled topic: its words in order (never empty). */
export type CompiledTopic = readonly string[];

/** Compiles one topic; undefined when it has no words at all. */
export function compileTopic(topic: string): CompiledTopic | undefined {
  const words = tokenize(topic);
  return words.length > 0 ? words : undefined;
}

/** True when the topic's words occur in the paper next to each other and in order. */
export function matchesTopic(paper: SearchablePaper, topic: CompiledTopic): boolean {
  const starts = paper.positions.get(topic[0]!);
  if (!starts) return false;
  outer: for (const start of starts) {
    for (let i = 1; i < topic.length; i++) if (paper.words[start + i] !== topic[i]) continue outer;
    return true;
  }
  return false;
}

/**
 * Matches topic combinations against one set of papers. Papers are normalised once, topics
 * compiled once, and each distinct combination (after normalisation: "LLM Agents, RL" and
 * "rl,llm agent" are one) is matched once; readers who share it share the result.
 */
export class TopicMatcher {
  private readonly docs: SearchablePaper[];
  private readonly compiled = new Map<string, string | undefined>();
  private readonly keys = new Map<string, string>();
  private readonly byTopic = new Map<string, boolean[]>();
  private readonly byKey = new Map<string, Paper[]>();
  private index: Map<string, number> | undefined;

  /** `papers` in the order results should keep (ranked). */
  constructor(private readonly papers: readonly Paper[]) {
    this.docs = papers.map(searchable);
  }

  /**
   * The normalised form of a topic list, the same for lists a reader would call the same:
   * each topic's words in the singular, duplicates dropped, sorted. '' when no topic has a word.
   */
  key(topics: readonly string[]): string {
    const raw = topics.join('\n');
    let k = this.keys.get(raw);
    if (k === undefined) {
      const parts = new Set<string>();
      for (const t of topics) {
        let c = this.compiled.get(t);
        if (!this.compiled.has(t)) this.compiled.set(t, (c = compileTopic(t)?.join(' ')));
        if (c) parts.add(c);
      }
      k = [...parts].sort().join('\n');
      this.keys.set(raw, k);
    }
    return k;
  }

  /** The papers matching at least one topic of the normalised list `key`, in the matcher's order. */
  papersFor(key: string): Paper[] {
    let out = this.byKey.get(key);
    if (!out) {
      const hits = key.split('\n').map((t) => this.topicHits(t));
      out = this.papers.filter((_, i) => hits.some((h) => h[i]));
      this.byKey.set(key, out);
    }
    return out;
  }

  /** The first of `topics` (as the reader wrote it) that `paper` matches, if any: the reason a topic reader gets it. */
  firstTopic(topics: readonly string[], paper: Paper): string | undefined {
    this.index ??= new Map(this.papers.map((p, i) => [p.id, i]));
    const i = this.index.get(paper.id);
    if (i === undefined) return undefined;
    return topics.find((t) => {
      if (!this.compiled.has(t)) this.compiled.set(t, compileTopic(t)?.join(' '));
      const c = this.compiled.get(t);
      return c !== undefined && this.topicHits(c)[i] === true;
    });
  }

  /** The papers matching at least one of `topics`; all of them when no topic has a word. */
  select(topics: readonly string[]): Paper[] {
    const k = this.key(topics);
    return k ? this.papersFor(k) : [...this.papers];
  }

  private topicHits(topic: string): boolean[] {
    let hits = this.byTopic.get(topic);
    if (!hits) {
      const words = topic.split(' ');
      hits = this.docs.map((d) => matchesTopic(d, words));
      this.byTopic.set(topic, hits);
    }
    return hits;
  }
}
