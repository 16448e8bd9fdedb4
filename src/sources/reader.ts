/**
 * The sources as the pipeline's `DigestReader` (`pipeline/ports.ts`): `loadDigest` bound to one
 * run's options, and which sources are URLs (whose validators the store keeps).
 */
import type { DigestReader } from '../pipeline/ports.js';
import { type LoadOptions, expandSource, isUrl, loadDigest } from './index.js';

/** Reads sources with `opts` (format, today's date, working directory, cross-lists, fetch knobs). */
export function digestReader(opts: Omit<LoadOptions, 'validators'>): DigestReader {
  return {
    urlOf(source) {
      const where = expandSource(source, opts.today);
      return isUrl(where) ? where : undefined;
    },
    read: (source, validators) => loadDigest(source, { ...opts, ...(validators ? { validators } : {}) }),
  };
}
