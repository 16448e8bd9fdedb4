/**
 * Colours, type and the embedded stylesheet for every Paperboy email.
 *
 * Light colours are inline styles (what every client honours). Dark colours come from an
 * embedded <style> (prefers-color-scheme for Apple Mail and most apps, [data-ogsc] for
 * Outlook.com), keyed by short class names. Every text colour keeps WCAG AA contrast (4.5:1)
 * on its background in both schemes; test/render/theme.test.ts checks the pairs.
 */
export const light = {
  page: '#f3f4f6',
  card: '#ffffff',
  border: '#e5e7eb',
  text: '#111827',
  muted: '#374151',
  faint: '#5b6472',
  link: '#1d4ed8',
  accent: '#b45309',
} as const;

export const dark = {
  page: '#0b0f17',
  card: '#161b26',
  border: '#2a3242',
  text: '#f3f4f6',
  muted: '#d1d5db',
  faint: '#a3acb9',
  link: '#93c5fd',
  accent: '#fbbf24',
} as const;

export const font = "-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";

/** Class names (short: they repeat once per paper) → the colour role they carry. */
export const cls = {
  page: 'pb-bg',
  card: 'pb-card',
  rule: 'pb-r',
  text: 'pb-t',
  muted: 'pb-m',
  faint: 'pb-f',
  link: 'pb-l',
  accent: 'pb-a',
} as const;

const darkRules = (prefix: string) =>
  [
    // Body puts its inline background on an inner cell, not on <body>: colour that cell too.
    `${prefix}.${cls.page},${prefix}.${cls.page}>table>tbody>tr>td{background:${dark.page}!important}`,
    `${prefix}.${cls.card}{background:${dark.card}!important;border-color:${dark.border}!important}`,
    `${prefix}.${cls.rule}{border-color:${dark.border}!important}`,
    `${prefix}.${cls.text}{color:${dark.text}!important}`,
    `${prefix}.${cls.muted}{color:${dark.muted}!important}`,
    `${prefix}.${cls.faint}{color:${dark.faint}!important}`,
    `${prefix}.${cls.link}{color:${dark.link}!important}`,
    `${prefix}.${cls.accent}{color:${dark.accent}!important}`,
  ].join('');

/** The embedded stylesheet: dark mode and the single-column layout for narrow screens. */
export const css =
  ':root{color-scheme:light dark;supported-color-schemes:light dark}' +
  `@media (prefers-color-scheme:dark){${darkRules('')}}` +
  darkRules('[data-ogsc] ') +
  '@media (max-width:520px){.pb-stack{display:block!important;width:100%!important;padding:0 0 10px!important}' +
  '.pb-pad{padding-left:16px!important;padding-right:16px!important}}';
