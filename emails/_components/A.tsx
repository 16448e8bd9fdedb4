/**
 * A bare link: href, class, colour. React Email's Link adds `target` and a text-decoration
 * default to every anchor; a digest has five links per paper, and Gmail clips at 102 KB.
 */
import type { ReactNode } from 'react';

export function A({ href, className, color, children }: { href: string; className: string; color: string; children: ReactNode }) {
  return (
    <a href={href} className={className} style={{ color }}>
      {children}
    </a>
  );
}
