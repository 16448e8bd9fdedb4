/**
 * The shell of Paperboy's own pages (landing, confirm, unsubscribe, preferences, archive index):
 * one stylesheet from `/assets/paperboy.css` (no inline styles or scripts, so the CSP stays
 * strict; the forms' one script is external too), light and dark, readable at 375 px. Every value goes through hono's `html` template,
 * which escapes it.
 */
import { html } from 'hono/html';

/** Extra bits of a page. */
export interface PageOptions {
  /** The document title; the newsletter's name when absent. */
  title?: string;
  /** More elements for <head> (e.g. the feed's alternate link). */
  head?: unknown;
  /** Same-origin scripts, loaded deferred (the CSP allows 'self' and nothing inline). */
  scripts?: string[];
  /** A wide page (`<main class="wrap wide">`, ~72rem): the operator's admin pages. */
  wide?: boolean;
  /** A class for <body> (e.g. `admin`), for page-wide styles. */
  bodyClass?: string;
}

/** A page with the newsletter's name as a link home, and `body` under it. */
export function page(name: string, body: unknown, opts: PageOptions = {}) {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="color-scheme" content="light dark"><title>${opts.title ? `${opts.title} · ${name}` : name}</title>
<link rel="stylesheet" href="/assets/paperboy.css">${opts.head ?? ''}${(opts.scripts ?? []).map((src) => html`<script src="${src}" defer></script>`)}</head>
<body${opts.bodyClass ? html` class="${opts.bodyClass}"` : ''}><main class="${opts.wide ? 'wrap wide' : 'wrap'}"><p class="brand"><a href="/">${name}</a></p>
${body}</main></body></html>`;
}

/** The answer to a link whose token does not verify. */
export const INVALID_LINK = 'This link is invalid or has expired.';
