/**
 * The one way Paperboy turns an email template into HTML: React Email's `render`, minus the
 * `<link rel="preload">` tags React 19 adds to the head (one per `<img>`). No mail client uses
 * them, some flag them, and each costs bytes towards Gmail's 102 KB clip.
 */
import { render } from '@react-email/components';
import type { ReactElement } from 'react';

/** Renders an email element to its HTML document, without preload links. */
export async function renderEmail(element: ReactElement): Promise<string> {
  return stripPreloadLinks(await render(element));
}

// A <link …> tag; quoted attribute values may hold `>`, so step over them whole.
const LINK_TAG = /<link(?=[\s/>])(?:[^>"']|"[^"]*"|'[^']*')*>/gi;
// One attribute: name, then optionally a double-, single- or unquoted value.
const ATTRIBUTE = /([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

/** True when the tag's `rel` (a space-separated token list) includes `preload`. */
function isPreload(tag: string): boolean {
  for (const [, name, ...values] of tag.slice('<link'.length).matchAll(ATTRIBUTE)) {
    if (name?.toLowerCase() !== 'rel') continue;
    const rel = values.find((v) => v !== undefined) ?? '';
    return rel.toLowerCase().split(/\s+/).includes('preload');
  }
  return false;
}

/**
 * Removes every `<link>` whose `rel` includes `preload`, whatever the attribute order, quoting
 * or case. An email has nothing to preload: its images load when the client shows them.
 */
export function stripPreloadLinks(html: string): string {
  return html.replace(LINK_TAG, (tag) => (isPreload(tag) ? '' : tag));
}
