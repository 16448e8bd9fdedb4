/**
 * Latent semantic analysis: a randomized truncated SVD (Halko, Martinsson and Tropp 2011) of the
 * centred tf-idf matrix A − 1μᵀ, never densified, by subspace iteration; then every paper's
 * coordinates in the top-k right singular subspace. One liked abstract shares few exact words
 * with the next paper on its subject, but it shares its topic: this is the view that sees it.
 */
import { RANKING } from './params.js';
import type { Rows } from './tfidf.js';

/** A small seeded PRNG (mulberry32): the same basis for the same papers, every time. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Orthonormalises the l columns of M (rows × l, row-major) in place by modified Gram-Schmidt. One
 * pass is enough after each product with A Aᵀ, whose condition on an orthonormal basis is modest for tf-idf data.
 */
function orthonormalize(M: Float64Array, rows: number, l: number): void {
  const col = new Float64Array(rows);
  const cols: Float64Array[] = [];
  for (let c = 0; c < l; c++) {
    for (let i = 0; i < rows; i++) col[i] = M[i * l + c]!;
    for (const q of cols) {
      let dot = 0;
      for (let i = 0; i < rows; i++) dot += col[i]! * q[i]!;
      for (let i = 0; i < rows; i++) col[i]! -= dot * q[i]!;
    }
    let nn = 0;
    for (let i = 0; i < rows; i++) nn += col[i]! * col[i]!;
    const inv = nn > 1e-24 ? 1 / Math.sqrt(nn) : 0;
    const q = Float64Array.from(col, (x) => x * inv);
    cols.push(q);
    for (let i = 0; i < rows; i++) M[i * l + c] = q[i]!;
  }
}

/** Rotates rows/columns p and q of the symmetric A (and the columns of V) by the Jacobi angle that zeroes A[p][q]. */
function jacobiRotate(A: Float64Array, V: Float64Array, m: number, p: number, q: number): void {
  const apq = A[p * m + q]!;
  if (apq === 0) return;
  const theta = (A[q * m + q]! - A[p * m + p]!) / (2 * apq);
  const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
  const c = 1 / Math.sqrt(t * t + 1);
  const s = t * c;
  for (let k = 0; k < m; k++) {
    const x = A[k * m + p]!;
    const y = A[k * m + q]!;
    A[k * m + p] = c * x - s * y;
    A[k * m + q] = s * x + c * y;
  }
  for (let k = 0; k < m; k++) {
    const x = A[p * m + k]!;
    const y = A[q * m + k]!;
    A[p * m + k] = c * x - s * y;
    A[q * m + k] = s * x + c * y;
  }
  for (let k = 0; k < m; k++) {
    const x = V[k * m + p]!;
    const y = V[k * m + q]!;
    V[k * m + p] = c * x - s * y;
    V[k * m + q] = s * x + c * y;
  }
}

/** Symmetric eigen-decomposition by cyclic Jacobi sweeps; eigenpairs by decreasing eigenvalue. */
function eigen(A: Float64Array, m: number): { values: number[]; vectors: Float64Array[] } {
  const V = new Float64Array(m * m);
  for (let i = 0; i < m; i++) V[i * m + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < m; i++) {
      diag += A[i * m + i]! ** 2;
      for (let j = i + 1; j < m; j++) off += A[i * m + j]! ** 2;
    }
    if (off <= 1e-24 * diag) break;
    for (let p = 0; p < m; p++) for (let q = p + 1; q < m; q++) jacobiRotate(A, V, m, p, q);
  }
  const order = [...Array(m).keys()].sort((a, b) => A[b * m + b]! - A[a * m + a]! || a - b);
  return {
    values: order.map((i) => A[i * m + i]!),
    vectors: order.map((i) => Float64Array.from({ length: m }, (_, k) => V[k * m + i]!)),
  };
}

/** The centred sample matrix's products with a dense block: (A − 1μᵀ)W and (A − 1μᵀ)ᵀY. */
function centredProducts(R: Rows, sample: number[], mu: Float64Array, l: number) {
  const n = sample.length;
  const V = R.nTerms;
  const times = (W: Float64Array): Float64Array => {
    const Y = new Float64Array(n * l);
    const muW = new Float64Array(l);
    for (let t = 0; t < V; t++) if (mu[t]) for (let c = 0; c < l; c++) muW[c]! += mu[t]! * W[t * l + c]!;
    sample.forEach((d, r) => {
      const o = r * l;
      const ix = R.idx[d]!;
      const vx = R.val[d]!;
      for (let t = 0; t < ix.length; t++) {
        const v = vx[t]!;
        const b = ix[t]! * l;
        for (let c = 0; c < l; c++) Y[o + c]! += v * W[b + c]!;
      }
      for (let c = 0; c < l; c++) Y[o + c]! -= muW[c]!;
    });
    return Y;
  };
  const timesT = (Y: Float64Array): Float64Array => {
    const W = new Float64Array(V * l);
    const colSum = new Float64Array(l);
    sample.forEach((d, r) => {
      const o = r * l;
      const ix = R.idx[d]!;
      const vx = R.val[d]!;
      for (let c = 0; c < l; c++) colSum[c]! += Y[o + c]!;
      for (let t = 0; t < ix.length; t++) {
        const v = vx[t]!;
        const b = ix[t]! * l;
        for (let c = 0; c < l; c++) W[b + c]! += v * Y[o + c]!;
      }
    });
    for (let t = 0; t < V; t++) if (mu[t]) for (let c = 0; c < l; c++) W[t * l + c]! -= mu[t]! * colSum[c]!;
    return W;
  };
  return { times, timesT };
}

/**
 * Rank-k LSA coordinates z_d = (a_d − μ) V_k of every row (n × k, row-major). The basis V_k is
 * the top right singular subspace of the centred rows of a sample of at most `svdSample` papers
 * (every ⌈n/S⌉-th), so the cost stops growing with the store; each paper is then projected onto it.
 */
export function lsa(R: Rows, k: number): Float32Array {
  const N = R.idx.length;
  const n = Math.min(N, RANKING.svdSample);
  const V = R.nTerms;
  const l = Math.min(k + RANKING.oversample, n, V);
  const sample = Array.from({ length: n }, (_, i) => Math.floor((i * N) / n));
  const mu = new Float64Array(V);
  for (const d of sample) for (let t = 0; t < R.idx[d]!.length; t++) mu[R.idx[d]![t]!]! += R.val[d]![t]! / n;
  const { times, timesT } = centredProducts(R, sample, mu, l);
  const rnd = mulberry32(RANKING.seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  let Y = times(Float64Array.from({ length: V * l }, gauss));
  orthonormalize(Y, n, l);
  for (let q = 0; q < RANKING.powerIterations; q++) {
    Y = times(timesT(Y));
    orthonormalize(Y, n, l);
  }
  // B = Yᵀ(A − 1μᵀ) = Wᵀ with W = (A − 1μᵀ)ᵀY; B Bᵀ = WᵀW = Û Σ² Ûᵀ, and V_k = W Û_k Σ_k⁻¹.
  const W = timesT(Y);
  const { values, vectors } = eigen(gram(W, V, l), l);
  return project(R, basis(W, V, l, k, values, vectors), mu, k);
}

/** WᵀW (l × l) of W (V × l, row-major). */
function gram(W: Float64Array, V: number, l: number): Float64Array {
  const G = new Float64Array(l * l);
  for (let t = 0; t < V; t++) {
    const b = t * l;
    for (let i = 0; i < l; i++) {
      const wi = W[b + i]!;
      if (wi) for (let j = i; j < l; j++) G[i * l + j]! += wi * W[b + j]!;
    }
  }
  for (let i = 0; i < l; i++) for (let j = 0; j < i; j++) G[i * l + j] = G[j * l + i]!;
  return G;
}

/** V_k = W Û_k Σ_k⁻¹ (V × k, row-major); columns past the numerical rank stay zero. */
function basis(W: Float64Array, V: number, l: number, k: number, values: number[], vectors: Float64Array[]): Float64Array {
  const kk = Math.min(k, l);
  const Vk = new Float64Array(V * k);
  const scale = vectors.slice(0, kk).map((_, c) => (values[c]! > 1e-12 * values[0]! ? 1 / Math.sqrt(values[c]!) : 0));
  for (let t = 0; t < V; t++) {
    for (let c = 0; c < kk; c++) {
      let s = 0;
      const u = vectors[c]!;
      for (let i = 0; i < l; i++) s += W[t * l + i]! * u[i]!;
      Vk[t * k + c] = s * scale[c]!;
    }
  }
  return Vk;
}

/** Every row's coordinates (a_d − μ)V_k. */
function project(R: Rows, Vk: Float64Array, mu: Float64Array, k: number): Float32Array {
  const N = R.idx.length;
  const muV = new Float64Array(k);
  for (let t = 0; t < R.nTerms; t++) if (mu[t]) for (let c = 0; c < k; c++) muV[c]! += mu[t]! * Vk[t * k + c]!;
  const Z = new Float32Array(N * k);
  const acc = new Float64Array(k);
  for (let d = 0; d < N; d++) {
    for (let c = 0; c < k; c++) acc[c] = -muV[c]!;
    const ix = R.idx[d]!;
    const vx = R.val[d]!;
    for (let t = 0; t < ix.length; t++) {
      const v = vx[t]!;
      const b = ix[t]! * k;
      for (let c = 0; c < k; c++) acc[c]! += v * Vk[b + c]!;
    }
    Z.set(acc, d * k);
  }
  return Z;
}
