/**
 * The small HTML shell of Paperboy's own pages (unsubscribe, preferences, archive index).
 * Every value goes through hono's `html` template, which escapes it.
 */
import { html } from 'hono/html';

/** A page with the newsletter's name as heading and `body` under it. */
export function page(name: string, body: unknown) {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="color-scheme" content="light dark"><title>${name}</title></head>
<body style="font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5">
<h1 style="font-size:1.25rem">${name}</h1>${body}</body></html>`;
}

/** The answer to a link whose token does not verify. */
export const INVALID_LINK = 'This link is invalid or has expired.';
