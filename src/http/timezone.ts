/**
 * The "Time zone" field of the subscribe and preferences forms. A plain text input works without
 * JavaScript; `/assets/tz.js` (an external script, so the CSP still forbids inline ones) fills
 * it with the browser's zone when it is empty and offers every zone the browser knows in its
 * datalist, so that the page itself stays light.
 */
import { html } from 'hono/html';

/** Where the script lives (served by `assets.ts`). */
export const TZ_SCRIPT = '/assets/tz.js';

/** The field, with its error after it when there is one (`deliverAt`, `fallback`: what the hint says). */
export function timeZoneField(value: string, opts: { error?: string; deliverAt?: string; fallback: string }) {
  const hint = opts.deliverAt
    ? `Each issue arrives at ${opts.deliverAt} in this zone (empty: ${opts.fallback}). An IANA name such as Europe/Paris.`
    : 'An IANA name such as Europe/Paris or America/New_York.';
  const describedBy = `timezone-hint${opts.error ? ' timezone-error' : ''}`;
  return html`<p><label for="timezone">Time zone <span class="hint">(optional)</span></label>
<input id="timezone" name="timezone" type="text" maxlength="64" list="timezones" autocomplete="off" autocapitalize="none" spellcheck="false" data-tz value="${value}" aria-describedby="${describedBy}"${opts.error ? html` aria-invalid="true"` : ''}>
<datalist id="timezones"></datalist>
<span class="hint" id="timezone-hint">${hint}</span></p>${opts.error ? html`<p class="error" id="timezone-error">${opts.error}</p>` : ''}`;
}

/** "invalid time zone "x": use an IANA name…" → "Unknown time zone "x": use an IANA name…". */
export function timeZoneProblem(err: unknown): string {
  const message = err instanceof Error ? err.message : 'invalid time zone';
  return `${message.replace(/^invalid time zone/, 'Unknown time zone')}.`;
}
