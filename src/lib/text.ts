/**
 * Text helpers shared by the email templates and their plain-text parts, the issue builder
 * (subjects) and the pages (the Atom feed): shortening at a word, wrapping, author lines,
 * compact counts, and the one check that lets a link reach an href.
 */

/** Shortens `text` to at most `max` characters at a word boundary, ending with "…". */
export function shorten(text: string, max: number): string {
  const s = text.replace(/\s+/g, ' ').trim();
  if (s.length <= max) return s;
  const cut = s.slice(0, max);
  const space = cut.lastIndexOf(' ');
  const head = space > max * 0.6 ? cut.slice(0, space) : cut;
  return `${head.replace(/[\s,;:.\-–—(]+$/u, '')}…`;
}

/** "Ada Lovelace, Alan Turing, Grace Hopper et al." (first three, then et al.). */
export function authorLine(authors: string[]): string {
  if (authors.length <= 3) return authors.join(', ');
  return `${authors.slice(0, 3).join(', ')} et al.`;
}

/** Wraps plain text at `width` columns, for a readable text/plain part. */
export function wrap(text: string, width = 72): string {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) out.push(line);
  return out.join('\n');
}

/** 1234 → "1.2k": compact counts for stars and upvotes. */
export function compactCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0).replace(/\.0$/, '')}k`;
  return `${(n / 1_000_000).toFixed(1).replace(/\.0$/, '')}M`;
}

/** The URL when it is http(s), else undefined: no other scheme reaches an href. */
export function safeHref(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
}
