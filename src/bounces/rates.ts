/**
 * Bounce and complaint rates for `paperboy status` and the overview: per day and per recipient
 * domain over the last 30 days, against what was sent, with a warning when complaints pass 0.1 %
 * (Gmail's and Yahoo's bulk-sender rules require under 0.3 % and advise under 0.1 %) or bounces
 * pass 2 %. Only reports matched to a delivery count; the unmatched ones (no proof they are about
 * our mail: forged, or about mail we never sent) are counted apart, the last few listed.
 */
import type { EventRates, RateRow, UnmatchedReport, UnmatchedReports } from '../store/events.js';
import type { Store } from '../store/store.js';

/** Complaints above this share of sent messages are a warning. */
export const COMPLAINT_WARNING = 0.001;
/** Hard bounces above this share: the list has dead addresses the sender should not have mailed. */
export const BOUNCE_WARNING = 0.02;
const WINDOW_DAYS = 30;
/** Unmatched reports listed (the count covers the whole window). */
export const UNMATCHED_LISTED = 5;

/** The rates and what they warn about, as `status --json` prints them. */
export interface Deliverability extends EventRates {
  totals: RateRow & { bounceRate: number; complaintRate: number };
  warnings: string[];
  pausedDomains: { domain: string; until: string; reason: string }[];
  /** Reports that proved nothing and did nothing: how many in the window, and the last few. */
  unmatched: UnmatchedReports;
}

/** Rates over the last 30 days at `now`. */
export async function deliverability(store: Store, now: Date): Promise<Deliverability> {
  const since = new Date(now.getTime() - WINDOW_DAYS * 86_400_000).toISOString().slice(0, 10);
  const rates = await store.eventRates(since, 10);
  const sum = (f: keyof Omit<RateRow, 'key'>) => rates.byDay.reduce((n, r) => n + r[f], 0);
  const totals = {
    key: `since ${since}`,
    sent: sum('sent'),
    hardBounces: sum('hardBounces'),
    softBounces: sum('softBounces'),
    complaints: sum('complaints'),
    senderRefusals: sum('senderRefusals'),
  };
  const rate = (n: number) => (totals.sent > 0 ? n / totals.sent : 0);
  const warnings: string[] = [];
  const complaintRate = rate(totals.complaints);
  const bounceRate = rate(totals.hardBounces);
  if (complaintRate > COMPLAINT_WARNING) {
    warnings.push(
      `complaint rate ${percent(complaintRate)} is above 0.1 % (Gmail and Yahoo refuse bulk mail above 0.3 %): check what readers signed up for, and that the unsubscribe link is easy to find`,
    );
  }
  for (const d of rates.byDomain) {
    if (d.sent >= 100 && d.complaints / d.sent > COMPLAINT_WARNING) warnings.push(`${d.key}: complaint rate ${percent(d.complaints / d.sent)} is above 0.1 %`);
  }
  if (bounceRate > BOUNCE_WARNING) warnings.push(`hard bounce rate ${percent(bounceRate)} is above 2 %: the list holds dead addresses (an old import?)`);
  if (totals.senderRefusals > 0)
    warnings.push(
      `${totals.senderRefusals} refusal${totals.senderRefusals === 1 ? '' : 's'} of the sender: run \`paperboy doctor\` (SPF, DKIM, DMARC) and check the sending IP's reputation`,
    );
  const paused = [...(await store.pausedDomains(now.toISOString()))].map(([domain, p]) => ({ domain, ...p }));
  const unmatched = await store.unmatchedReports(since, UNMATCHED_LISTED);
  return { ...rates, totals: { ...totals, bounceRate, complaintRate }, warnings, pausedDomains: paused, unmatched };
}

/** The status lines: the rates, then the unmatched reports. */
export function describeDeliverability(d: Deliverability): string[] {
  return [...describeRates(d), ...describeUnmatched(d.unmatched)];
}

/** The rates' lines: totals, by day, by domain, paused domains, warnings. */
export function describeRates(d: Deliverability): string[] {
  const t = d.totals;
  const row = (r: RateRow) =>
    `${r.key}: ${r.sent} sent, ${r.hardBounces} hard (${percent(r.sent ? r.hardBounces / r.sent : 0)}), ${r.softBounces} soft, ${r.complaints} complaints (${percent(r.sent ? r.complaints / r.sent : 0)})${r.senderRefusals ? `, ${r.senderRefusals} refused the sender` : ''}`;
  const lines = [`Bounces and complaints (${t.key}): ${t.sent} sent, hard bounces ${percent(t.bounceRate)}, complaints ${percent(t.complaintRate)}`];
  const days = d.byDay.filter((r) => r.sent || r.hardBounces || r.softBounces || r.complaints || r.senderRefusals).slice(-7);
  if (days.length) lines.push('  by day (last 7 with mail):', ...days.map((r) => `    ${row(r)}`));
  if (d.byDomain.length) lines.push('  by recipient domain (top 10 by sent):', ...d.byDomain.map((r) => `    ${row(r)}`));
  for (const p of d.pausedDomains) lines.push(`  paused: ${p.domain} until ${p.until.slice(0, 16).replace('T', ' ')} UTC (${p.reason})`);
  for (const w of d.warnings) lines.push(`  WARNING: ${w}`);
  return lines;
}

/** The unmatched reports' lines (none when there were none): a count, then one line each. */
export function describeUnmatched(u: UnmatchedReports): string[] {
  if (u.count === 0) return [];
  const head = `  ${u.count} unmatched report${u.count === 1 ? '' : 's'} (no valid VERP token or Message-ID of ours: nobody suppressed, nothing paused)${u.count > u.last.length ? `, the last ${u.last.length}` : ''}:`;
  return [head, ...u.last.map((r) => `    ${describeUnmatchedReport(r)}`)];
}

/** One unmatched report on one line: when, from where, what, about which domain. */
export function describeUnmatchedReport(r: UnmatchedReport): string {
  return `${r.receivedAt.slice(0, 16).replace('T', ' ')} UTC ${r.source} ${r.type}${r.status ? ` ${r.status}` : ''} ${r.domain ?? '(no domain)'}`;
}

function percent(x: number): string {
  return `${(x * 100).toFixed(x > 0 && x < 0.001 ? 3 : 2)} %`;
}
