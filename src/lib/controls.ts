/**
 * Control characters: C0 (NUL, ESC…) and C1 controls, DEL, and the Unicode line and paragraph
 * separators. No address, topic, time zone, name or title holds one; PostgreSQL refuses NUL in
 * text outright, and the others forge log lines or drive terminals. Every edge strips them
 * (search filters, digest text) or refuses them (anything stored from a person's input).
 */
/* eslint-disable no-control-regex -- this module says what a control character is: its patterns match them */

const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** True when `s` holds a control character. */
export function hasControl(s: string): boolean {
  CONTROLS.lastIndex = 0;
  return CONTROLS.test(s);
}

/** `s` without its control characters. */
export function stripControls(s: string): string {
  return s.replace(CONTROLS, '');
}

/** `s` with each run of control characters (line breaks, tabs, escapes) as one space: for one-line messages. */
export function controlsAsSpace(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
}
