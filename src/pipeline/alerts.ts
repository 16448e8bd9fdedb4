/**
 * Alerts to the operator, checked at the end of every scheduler run. Three conditions: a source
 * that failed ALERT_AFTER_FAILURES runs in a row (`source:<source>`), a paused issue
 * (`issue-paused:<id>`), and a recipient domain paused after refusing the sender
 * (`domain-paused:<domain>`). Each condition opens one alert (a row in the store) and one email to
 * OPERATOR_EMAIL, and nothing more until it clears: the source succeeds (or leaves
 * DIGEST_SOURCE), the issue is no longer paused. Then one "resolved" email, if the alert was
 * emailed. Without OPERATOR_EMAIL an alert is a warning in the log only. Nothing here throws
 * into the run: a failed email is logged and tried again at the next run.
 */
import type { Issue } from '../domain.js';
import { toAppError } from '../errors.js';
import type { Log } from '../log.js';
import { utcTime } from '../lib/time.js';
import type { Alert, SourceHealth } from '../store/runs.js';
import type { Store } from '../store/store.js';

/** One alert email, before it is rendered: what happened, since when, the last error, what to do. */
export interface AlertMessage {
  /** Short, after "Paperboy alert: " (or "Paperboy alert resolved: "). */
  subject: string;
  resolved: boolean;
  what: string;
  since: string;
  lastError: string;
  todo: string;
  /** A file-system-safe name (outbox files) and Message-ID part. */
  name: string;
}

/** Sends alert emails to the operator (the app's mailer: SMTP, or the outbox folder). */
export interface AlertMail {
  send(m: AlertMessage): Promise<void>;
}

/** What checking alerts needs. */
export interface AlertDeps {
  store: Store;
  log: Log;
  now: () => Date;
  /** ALERT_AFTER_FAILURES. */
  alertAfter: number;
  /** Undefined without OPERATOR_EMAIL: alerts are log lines only. */
  mail: AlertMail | undefined;
}

/** What the run saw. */
export interface AlertFacts {
  /** The health of every source the run ingested (the configured ones). */
  health: SourceHealth[];
  /** Why issues paused in this run, by issue id. */
  pausedNow: Map<number, string>;
  /** The send's error when it could not start (kept as the paused issues' last error). */
  sendError?: string;
}

interface Condition {
  subject: string;
  what: string;
  since: string;
  lastError: string;
  todo: string;
}

const minute = (at: string) => utcTime(at);
const safeName = (key: string) => key.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 60);

/** Opens, emails and clears alerts for what the run saw. Never throws. */
export async function checkAlerts(deps: AlertDeps, facts: AlertFacts): Promise<void> {
  try {
    const at = deps.now().toISOString();
    const open = new Map((await deps.store.openAlerts()).map((a) => [a.key, a]));
    const paused = (await deps.store.unfinishedIssues()).filter((i) => i.status === 'paused');
    const conditions = new Map<string, Condition>();
    for (const h of facts.health) {
      if (h.consecutiveFailures >= deps.alertAfter) conditions.set(`source:${h.source}`, sourceCondition(h));
    }
    for (const issue of paused) {
      const key = `issue-paused:${issue.id}`;
      const reason = facts.pausedNow.get(issue.id) ?? open.get(key)?.detail ?? facts.sendError ?? 'paused by an earlier run';
      conditions.set(key, pausedCondition(issue, reason, open.get(key)?.openedAt ?? at));
    }

    // A recipient domain whose servers refused the sender: paused until the pause ends.
    for (const [domain, p] of await deps.store.pausedDomains(at)) {
      const key = `domain-paused:${domain}`;
      conditions.set(key, {
        subject: `${domain} refused the sender`,
        what: `The mail servers of ${domain} refused Paperboy as a sender (policy, reputation, authentication or a blocklist). Nothing goes to ${domain} until ${minute(p.until)}; its readers keep their subscriptions and get the issue when the pause ends.`,
        since: minute(open.get(key)?.openedAt ?? at),
        lastError: p.reason,
        todo: "Run `npx paperboy doctor` (SPF, DKIM and DMARC of the From domain), check the sending IP against the blocklist the reply names, and read the reply above: it usually links to the provider's explanation.",
      });
    }

    for (const [key, c] of conditions) {
      let alert = open.get(key);
      if (!alert) {
        alert = await deps.store.openAlert({ key, subject: c.subject, detail: c.lastError }, at);
        if (!alert) continue; // another process opened it just now: it tells the operator
        deps.log.warn(`alert: ${c.subject}: ${c.lastError}${deps.mail ? '; emailing OPERATOR_EMAIL' : ' (set OPERATOR_EMAIL to get alerts by email)'}`);
      }
      if (deps.mail && alert.alertedAt === null) await email(deps, alert, c);
    }

    for (const [key, alert] of open) {
      if (conditions.has(key)) continue;
      if (!(await deps.store.clearAlert(alert.id, at))) continue;
      const gone = key.startsWith('source:') && !facts.health.some((h) => `source:${h.source}` === key);
      deps.log.info(`alert cleared: ${alert.subject}${gone ? ' (no longer in DIGEST_SOURCE)' : ''}`);
      if (deps.mail && alert.alertedAt) await sendResolved(deps, alert, at, gone);
    }
  } catch (err) {
    deps.log.error(`checking alerts failed: ${toAppError(err).message}`);
  }
}

function sourceCondition(h: SourceHealth): Condition {
  const since = h.failingSince ?? h.lastFailureAt ?? '';
  return {
    subject: `source failing: ${h.source}`,
    what: `The source ${h.source} failed in the last ${h.consecutiveFailures} scheduler runs in a row; its papers are not coming in. The other sources are still ingested.`,
    since: `${minute(since)} (first failure in a row)${h.lastSuccessAt ? `; last success ${minute(h.lastSuccessAt)}` : '; it never succeeded'}`,
    lastError: h.lastError ?? 'unknown error',
    todo: `Check that the source is reachable and well formed: \`npx paperboy ingest ${h.source}\` shows the error. Fix it or remove it from DIGEST_SOURCE. You get no more alerts about it until it works again.`,
  };
}

function pausedCondition(issue: Issue, reason: string, since: string): Condition {
  return {
    subject: `issue #${issue.id} (${issue.frequency}) paused`,
    what: `Issue #${issue.id} (${issue.frequency}) "${issue.subject}" stopped going out: its delivery paused and the deliveries not sent yet are waiting.`,
    since: `${minute(since)} (first seen paused; the issue was built ${minute(issue.createdAt)})`,
    lastError: reason,
    todo: 'Fix the cause (SMTP credentials or server, the sender refused, too many failed sends in a row), then run `npx paperboy send` to resume: nobody gets it twice. The next scheduler run also tries to resume it.',
  };
}

async function email(deps: AlertDeps, alert: Alert, c: Condition): Promise<void> {
  if (!(await deps.store.claimAlert(alert.id, deps.now().toISOString()))) return;
  try {
    await deps.mail!.send({ ...c, resolved: false, name: `alert-${alert.id}-${safeName(alert.key)}` });
  } catch (err) {
    await deps.store.unclaimAlert(alert.id);
    deps.log.error(`alert email failed (tried again at the next run): ${toAppError(err).message}`);
  }
}

async function sendResolved(deps: AlertDeps, alert: Alert, at: string, gone: boolean): Promise<void> {
  const source = alert.key.startsWith('source:') ? alert.key.slice('source:'.length) : undefined;
  const domain = alert.key.startsWith('domain-paused:') ? alert.key.slice('domain-paused:'.length) : undefined;
  const subject = source
    ? `source ${source} ${gone ? 'no longer in DIGEST_SOURCE' : 'works again'}`
    : domain
      ? `sending to ${domain} resumed (the pause ended)`
      : `${alert.subject.replace(/ paused$/, '')} no longer paused`;
  try {
    await deps.mail!.send({
      subject,
      resolved: true,
      what: `Resolved: ${subject} (as of ${minute(at)}).`,
      since: `${minute(alert.openedAt)} (alert opened) until ${minute(at)}`,
      lastError: alert.detail,
      todo: 'Nothing. A new alert comes if it happens again.',
      name: `alert-${alert.id}-resolved-${safeName(alert.key)}`,
    });
  } catch (err) {
    deps.log.error(`alert email (resolved) failed: ${toAppError(err).message}`);
  }
}
