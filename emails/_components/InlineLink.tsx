/**
 * A bare inline link: href, class, colour. React Email's Link adds `target` and a text-decoration
 * default to every anchor; a digest has five links per paper, and Gmail clips at 102 KB.
 */
import type { ReactNode } from 'react';

/** An `<a>` with only an href, a class and a colour (optionally kept on one line). */
export function InlineLink(props: { href: string; className: string; color: string; nowrap?: boolean; children: ReactNode }) {
  const { href, className, color, nowrap, children } = props;
  return (
    <a href={href} className={className} style={nowrap ? { color, whiteSpace: 'nowrap' } : { color }}>
      {children}
    </a>
  );
}
