/**
 * The constants of the ranking model, each with where it comes from. They were set on the
 * 2,000-paper yardstick in `../shared/ranking-eval/` and checked on 30 conditions (other split
 * seeds, 1,000-paper subsamples, corpora without the dominant category): every one sits in a flat
 * region, so a neighbouring value changes no verdict. See the README's "Personal ranking" section.
 */
export const RANKING = {
  /** k0 = (1 − topicWeight) · lexical + topicWeight · topical: flat from 0.2 to 0.5. */
  topicWeight: 0.3,
  /**
   * The LSA prefixes whose cosines are averaged: one rank of about 50 is best at 1 signal, about
   * 200 at 10; averaging over powers of two between them is close to the best at every count.
   */
  ranks: [32, 64, 128, 256],
  /** Candidate-side expansion: each new paper is also judged by its m nearest stored papers, at weight g. */
  neighbours: 10,
  smoothing: 0.5,
  /** β: a dislike counts a quarter of a like (Rocchio's classic ratio), and only where a paper resembles it. */
  dislikeWeight: 0.25,
  /** The LSA vocabulary: the most frequent single words and authors, bounding the SVD's memory. */
  maxTopicTerms: 32_768,
  /** The LSA basis is fitted on at most this many papers (every ⌈n/S⌉-th); every paper is then projected onto it. */
  svdSample: 10_000,
  /** Randomized SVD (Halko, Martinsson and Tropp 2011): oversampling, power iterations, a fixed seed for determinism. */
  oversample: 16,
  powerIterations: 2,
  seed: 20_070_401,
} as const;
