/**
 * The landing page (`GET /`) and the subscribe form's POST. Server-rendered (one small external
 * script guesses the time zone): the newsletter's name and tagline, the form (email, optional
 * topics, daily or weekly, time zone), and the latest issue's papers with links to the archive
 * and the feed.
 *
 * `POST /subscribe` answers the same for every address (new, pending, active, unsubscribed,
 * suppressed): the page says to check the inbox. A malformed address gets 400 and the form
 * again; the honeypot, a forged form, or an address over the limits change nothing.
 */
import type { Context, Hono } from 'hono';
import { html } from 'hono/html';
import type { App } from '../app.js';
import { archiveUrl } from '../lib/urls.js';
import type { Frequency } from '../domain.js';
import { AppError, statusOf } from '../errors.js';
import { displayDate } from '../render/digest.js';
import { requestSubscription } from '../subscriptions/double-opt-in.js';
import { parseFrequency, parseTimeZone, parseTopics } from '../subscriptions/inputs.js';
import { feedLink } from './feed.js';
import { page } from './page.js';
import { clientKey } from './client-address.js';
import { type WindowLimiter, csrfField, csrfOk, csrfRefused, tooMany } from './security.js';
import { TZ_SCRIPT, timeZoneField, timeZoneProblem } from './timezone.js';

/** What the form shows again after an error. */
interface FormState {
  email?: string;
  topics?: string;
  frequency?: Frequency;
  timezone?: string;
  error?: { field: 'email' | 'topics' | 'timezone'; message: string };
}

/** Papers of the latest issue listed on the landing page; the issue's page has them all. */
const LATEST_SHOWN = 10;

/** The longest value kept of each field, as the form's `maxlength` says (an address is at most 254 characters). */
const MAX_LENGTH = { email: 254, topics: 400, timezone: 64 } as const;

/** The honeypot: hidden from people, filled in by naive bots. */
const HONEYPOT = 'website';

/** What the landing page and the subscribe form touch. */
export type LandingDeps = Pick<App, 'config' | 'store' | 'tokens' | 'masthead' | 'flow' | 'log'>;

/** The subscribe form, filled in with `s` and its error beside the field it concerns. */
function subscribeForm(c: Context, app: LandingDeps, s: FormState = {}) {
  const { config } = app;
  const zoneHint = { fallback: config.TZ, ...(config.DELIVER_AT ? { deliverAt: config.DELIVER_AT } : {}) };
  const err = (field: 'email' | 'topics') => (s.error?.field === field ? html`<p class="error" id="${field}-error">${s.error.message}</p>` : '');
  const invalid = (field: 'email' | 'topics') => (s.error?.field === field ? html` aria-invalid="true" aria-describedby="${field}-error"` : '');
  const weekly = (s.frequency ?? config.DEFAULT_FREQUENCY) === 'weekly';
  return html`<form class="card" method="post" action="/subscribe">
<p><label for="email">Email address</label>
<input id="email" name="email" type="email" required autocomplete="email" inputmode="email" maxlength="254" value="${s.email ?? ''}"${invalid('email')}>${err('email')}</p>
<p><label for="topics">Topics <span class="hint">(optional)</span></label>
<input id="topics" name="topics" type="text" maxlength="400" value="${s.topics ?? ''}" placeholder="diffusion models, RL, LLM agents" aria-describedby="topics-hint${s.error?.field === 'topics' ? ' topics-error' : ''}"${s.error?.field === 'topics' ? html` aria-invalid="true"` : ''}>
<span class="hint" id="topics-hint">Comma-separated words or phrases. Leave empty to get every paper.</span>${err('topics')}</p>
<fieldset><legend>How often</legend>
<label><input type="radio" name="frequency" value="daily"${weekly ? '' : html` checked`}> Daily</label>
<label><input type="radio" name="frequency" value="weekly"${weekly ? html` checked` : ''}> Weekly</label></fieldset>
${timeZoneField(s.timezone ?? '', { ...zoneHint, ...(s.error?.field === 'timezone' ? { error: s.error.message } : {}) })}
<div class="hp" aria-hidden="true"><label for="${HONEYPOT}">Leave this field empty</label><input id="${HONEYPOT}" name="${HONEYPOT}" type="text" tabindex="-1" autocomplete="off"></div>
${csrfField(c, app)}
<button type="submit">Subscribe</button>
</form>`;
}

/** The landing page: the form (with `s` after an error) and the latest issue's papers. */
async function landingPage(c: Context, app: LandingDeps, s: FormState = {}) {
  const { config } = app;
  const name = config.NEWSLETTER_NAME;
  const latest = (await app.store.recentIssues(1))[0];
  const papers = latest ? ((await app.store.issueVariants(latest.id)).get(0) ?? []) : [];
  const issueUrl = latest ? archiveUrl(config.PUBLIC_URL, latest.id) : '';
  const latestSection = latest
    ? html`<section class="card" aria-labelledby="latest"><h2 id="latest">Latest issue · ${displayDate(latest.issueDate)}</h2>
<ol class="papers">${papers
        .slice(0, LATEST_SHOWN)
        .map(
          (p) => html`<li><a href="${issueUrl}">${p.title}</a>${p.authors.length ? html`<span class="meta">${authorsShort(p.authors)}</span>` : ''}</li>`,
        )}</ol>${papers.length > LATEST_SHOWN ? html`<p><a href="${issueUrl}">Read the whole issue: ${papers.length} papers</a></p>` : ''}</section>`
    : html`<section class="card" aria-labelledby="latest"><h2 id="latest">Latest issue</h2><p>The first issue has not gone out yet.</p></section>`;
  return page(
    name,
    html`<h1>${config.NEWSLETTER_TAGLINE}</h1>
<p class="byline">${app.masthead.byline}</p>
${subscribeForm(c, app, s)}
${latestSection}
<p class="links"><a href="/archive">All issues</a><a href="/feed.xml">Atom feed</a></p>
<footer>${config.POSTAL_ADDRESS}</footer>`,
    { head: feedLink(config.PUBLIC_URL, name), scripts: [TZ_SCRIPT] },
  );
}

/** The one answer to every accepted (or silently ignored) sign-up. */
function thanksPage(name: string) {
  return page(
    name,
    html`<h1>Check your inbox</h1>
<p class="notice">If this address can subscribe, a confirmation link is on its way. Click it to start getting ${name}. The link works for 7 days.</p>
<p>Nothing arrived? Look in the spam folder. You can ask again tomorrow.</p>
<p><a href="/">Back to ${name}</a></p>`,
    { title: 'Check your inbox' },
  );
}

/** Registers `GET /` (the landing page) and `POST /subscribe` (the form's answer). */
export function landingRoutes(http: Hono, app: LandingDeps, limiter: WindowLimiter): void {
  http.get('/', async (c) => c.html(await landingPage(c, app)));
  http.post('/subscribe', async (c) => {
    if (!limiter.take(clientKey(c, app.config.TRUST_PROXY))) return tooMany(c, app);
    const body = await c.req.parseBody();
    if (!csrfOk(c, app, body)) return csrfRefused(c, app);
    return subscribe(c, app, body);
  });
}

/**
 * A sign-up from a form with a valid CSRF token: the same page for every address that can be
 * asked about, 400 and the form again for a malformed field, 429 over the caps.
 */
async function subscribe(c: Context, app: LandingDeps, body: Record<string, unknown>) {
  const { config } = app;
  const field = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
  const state: FormState = {
    email: field('email').slice(0, MAX_LENGTH.email),
    topics: field('topics').slice(0, MAX_LENGTH.topics),
    timezone: field('timezone').slice(0, MAX_LENGTH.timezone),
  };
  const refused = async (error: NonNullable<FormState['error']>, code: 'INPUT_INVALID' | 'EMAIL_INVALID') =>
    c.html(await landingPage(c, app, { ...state, error }), statusOf(code));
  if (field(HONEYPOT) !== '') {
    app.log.info('subscribe: honeypot filled; ignored');
    return c.html(thanksPage(config.NEWSLETTER_NAME));
  }
  try {
    state.frequency = parseFrequency(field('frequency'), config.DEFAULT_FREQUENCY);
  } catch {
    state.frequency = config.DEFAULT_FREQUENCY;
  }
  let topics: string[];
  try {
    topics = parseTopics(state.topics);
  } catch (err) {
    return refused({ field: 'topics', message: messageOf(err) }, 'INPUT_INVALID');
  }
  let timezone: string | null;
  try {
    timezone = parseTimeZone(field('timezone')); // the whole value: what is shown again is cut
  } catch (err) {
    return refused({ field: 'timezone', message: timeZoneProblem(err) }, 'INPUT_INVALID');
  }
  try {
    const answer = await requestSubscription(app.flow, { email: state.email!, topics, frequency: state.frequency, timezone });
    if (answer === 'busy') return tooMany(c, app);
  } catch (err) {
    if (err instanceof AppError && err.code === 'EMAIL_INVALID') return refused({ field: 'email', message: emailProblem(err) }, 'EMAIL_INVALID');
    throw err;
  }
  return c.html(thanksPage(config.NEWSLETTER_NAME));
}

function authorsShort(authors: string[]): string {
  return authors.length > 3 ? `${authors.slice(0, 3).join(', ')} et al.` : authors.join(', ');
}

/** "invalid email address "x": the domain needs a dot" → "Not a valid email address: the domain needs a dot." */
function emailProblem(err: AppError): string {
  const why = /: ([^:]+)$/.exec(err.message)?.[1];
  return `Not a valid email address${why ? `: ${why}` : ''}. Use the form name@example.org.`;
}

function messageOf(err: unknown): string {
  return err instanceof AppError ? err.message.replace(/^invalid topic/, 'Invalid topic') : 'invalid input';
}
