import { describe, expect, it } from 'vitest';
import { dark, light } from '../../emails/_components/theme.js';

/** WCAG 2.x relative luminance and contrast ratio. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}
function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

describe('colours', () => {
  it.each([
    ['light', light],
    ['dark', dark],
  ])('every text colour keeps WCAG AA contrast (4.5:1) on its background in %s mode', (_name, t) => {
    for (const fg of [t.text, t.muted, t.faint, t.link, t.accent]) {
      expect(contrast(fg, t.card)).toBeGreaterThanOrEqual(4.5);
    }
    expect(contrast(t.faint, t.page)).toBeGreaterThanOrEqual(4.5);
  });
});
