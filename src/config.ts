/**
 * Configuration: `.env` plus the process environment, parsed once with one zod schema.
 * Nothing else in Paperboy reads `process.env`; everything receives a `Config`.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { validate as validateCron } from 'node-cron';
import { z } from 'zod';
import { AppError } from './errors.js';
import { parseMailbox } from './lib/email.js';
import { CLOCK_RE, WEEKDAYS, type Weekday, isTimeZone } from './lib/time.js';

const FREQUENCIES = ['daily', 'weekly'] as const;

/** A day name, full or its first three letters, any case ("Mon", "monday"), as the full name. */
function weekdayNamed(v: string): Weekday | undefined {
  return WEEKDAYS.find((d) => v === d || (v.length === 3 && d.startsWith(v)));
}

const httpUrl = (what: string) =>
  z
    .string()
    .trim()
    .refine((v) => /^https?:\/\/[^\s/]+/i.test(v) && URL.canParse(v), `must be an http(s) URL (${what})`)
    .transform((v) => v.replace(/\/+$/, ''));

const positiveInt = (max = Number.MAX_SAFE_INTEGER, min = 1) =>
  z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);

/** true/false (also 1/0, yes/no), any case. */
const booleanFlag = (fallback: boolean) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .default(String(fallback))
    .refine((v) => ['true', 'false', '1', '0', 'yes', 'no'].includes(v), 'must be true or false')
    .transform((v) => ['true', '1', 'yes'].includes(v));

/** TRUST_PROXY: how many reverse proxies stand in front, as Express's "trust proxy" counts them: true 1, false 0, or 0–20. */
const proxyHops = z
  .string()
  .trim()
  .toLowerCase()
  .default('false')
  .refine((v) => /^(true|false|yes|no|1?\d|20)$/.test(v), 'must be true, false or the number of reverse proxies in front (0 to 20)')
  .transform((v) => (['true', 'yes'].includes(v) ? 1 : ['false', 'no'].includes(v) ? 0 : Number(v)));

/** `scrypt$N$r$p$saltB64$hashB64`: N a power of two, r and p small, a salt and hash of at least 16 bytes. */
const ADMIN_HASH_RE = /^scrypt\$(?:[2-9]|[1-9]\d{1,6})\$[1-9]\d{0,2}\$[1-9]\d{0,2}\$[A-Za-z0-9+/]{22,}={0,2}\$[A-Za-z0-9+/]{22,}={0,2}$/;

/** The schema of every key in `.env.example`. Defaults make `npm start` work on a fresh machine. */
export const configSchema = z.object({
  DATABASE_URL: z
    .string()
    .trim()
    .default('file:subscribers/paperboy.db')
    .refine((v) => /^file:.+/.test(v) || /^postgres(ql)?:\/\/.+/.test(v), 'must be file:PATH or postgres://…'),
  SMTP_URL: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? v : undefined))
    .refine((v) => v === undefined || (/^smtps?:\/\/[^\s]+$/i.test(v) && URL.canParse(v)), 'must be smtp://user:pass@host:port or smtps://…'),
  OUTBOX_DIR: z.string().trim().min(1).default('outbox'),
  MAIL_FROM: z
    .string()
    .trim()
    .default('Paperboy <digest@example.org>')
    .refine((v) => !/[\r\n\0]/.test(v) && parseMailbox(v) !== null, 'must be an address such as "Name <digest@example.org>"'),
  NEWSLETTER_NAME: z.string().trim().min(1).max(100).default('Paperboy'),
  NEWSLETTER_TAGLINE: z.string().trim().max(200).default('Get trending papers in your email inbox!'),
  BYLINE: z.string().trim().max(200).optional(),
  POSTAL_ADDRESS: z.string().trim().min(1).max(300).default('Paperboy, 1 Example Street, 00000 Example City'),
  PUBLIC_URL: httpUrl('the base of every link in an email').default('http://localhost:3000'),
  PORT: positiveInt(65535, 0).default(3000),
  HOST: z.string().trim().optional(),
  SECRET_KEY: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === '' || v.length >= 32, 'must be at least 32 characters (try: openssl rand -hex 32)')
    .transform((v) => (v ? v : undefined)),
  /** The operator's /admin password as `paperboy admin hash-password` prints it: scrypt$N$r$p$salt$hash (base64). */
  ADMIN_PASSWORD_HASH: z
    .string()
    .trim()
    .refine((v) => ADMIN_HASH_RE.test(v), 'must be the output of `paperboy admin hash-password` (scrypt$N$r$p$salt$hash)')
    .optional(),
  /** The /admin password in plain text, hashed at start-up (ADMIN_PASSWORD_HASH is better: no plain password on disk). */
  ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
  DIGEST_SOURCE: z.string().trim().min(1).default('fixtures/trending-papers.txt'),
  SCHEDULE: z
    .string()
    .trim()
    .default('0 8 * * *')
    .refine((v) => [5, 6].includes(v.split(/\s+/).length) && validateCron(v), 'must be a 5- or 6-field cron expression'),
  TZ: z
    .string()
    .trim()
    .default('UTC')
    .refine((v) => isTimeZone(v), 'must be an IANA time zone such as UTC or Europe/Paris'),
  MAX_PAPERS_PER_ISSUE: positiveInt(500).default(30),
  FETCH_TIMEOUT_SECONDS: positiveInt(600).default(30),
  FETCH_RETRIES: positiveInt(10, 0).default(3),
  ARXIV_INCLUDE_CROSS: booleanFlag(false),
  SMTP_POOL: positiveInt(100).default(5),
  DELIVER_AT: z
    .string()
    .trim()
    .transform((v) => v.padStart(5, '0'))
    .refine((v) => CLOCK_RE.test(v), 'must be a time of day HH:MM such as 08:00')
    .optional(),
  MAX_SEND_ERRORS: positiveInt().default(100),
  OPERATOR_EMAIL: z
    .string()
    .trim()
    .optional()
    .refine((v) => v === undefined || (!/[\r\n\0]/.test(v) && parseMailbox(v) !== null), 'must be an email address such as ops@example.org'),
  ALERT_AFTER_FAILURES: positiveInt(1000).default(3),
  SEND_RATE: z.coerce.number({ error: 'must be a number of messages per second' }).positive('must be more than 0').max(100_000, 'must be at most 100000').optional(),
  SUBSCRIBE_LIMIT_PER_IP: positiveInt(100_000).default(10),
  CONFIRMATIONS_PER_HOUR: positiveInt(1_000_000).default(100),
  TRUST_PROXY: proxyHops,
  DKIM_DOMAIN: z
    .string()
    .trim()
    .toLowerCase()
    .refine((v) => /^[a-z0-9.-]+\.[a-z]{2,}$/.test(v), 'must be a domain name such as example.org')
    .optional(),
  DKIM_SELECTOR: z
    .string()
    .trim()
    .refine((v) => /^[A-Za-z0-9._-]+$/.test(v), 'must be a DNS label such as paperboy')
    .optional(),
  DKIM_PRIVATE_KEY: z.string().optional(),
  DKIM_PRIVATE_KEY_FILE: z.string().trim().optional(),
  /** A second DKIM signature with Ed25519 (RFC 8463), beside the RSA one: its selector and key. */
  DKIM_ED25519_SELECTOR: z
    .string()
    .trim()
    .refine((v) => /^[A-Za-z0-9._-]+$/.test(v), 'must be a DNS label such as paperboy-ed')
    .optional(),
  DKIM_ED25519_PRIVATE_KEY: z.string().optional(),
  DKIM_ED25519_PRIVATE_KEY_FILE: z.string().trim().optional(),
  /** Feedback-ID header (Gmail's feedback loop): a short stable sender id; default from the newsletter name. */
  FEEDBACK_ID: z
    .string()
    .trim()
    .refine((v) => /^[A-Za-z0-9._:-]{1,100}$/.test(v), 'must be letters, digits and . _ : - (at most 100)')
    .optional(),
  /** VERP return path: MAIL FROM is bounces+TOKEN@BOUNCE_DOMAIN (its MX must reach BOUNCE_IMAP_URL's mailbox). */
  BOUNCE_DOMAIN: z
    .string()
    .trim()
    .toLowerCase()
    .refine((v) => /^[a-z0-9.-]+\.[a-z]{2,}$/.test(v), 'must be a domain name such as bounces.example.org')
    .optional(),
  /** The bounce mailbox: imap://user:pass@host:143/INBOX or imaps://…:993/INBOX. */
  BOUNCE_IMAP_URL: z
    .string()
    .trim()
    .refine((v) => /^imaps?:\/\/[^/\s]+/.test(v), 'must be imap://user:pass@host[:port][/MAILBOX] or imaps://…')
    .optional(),
  BOUNCE_POLL_SECONDS: positiveInt(86_400).default(300),
  /** Provider webhooks: Amazon SES through SNS (the topic ARN to accept), Postmark (basic-auth user:password), Resend (Svix whsec_ secret). */
  SES_TOPIC_ARN: z.string().trim().optional(),
  POSTMARK_WEBHOOK_AUTH: z
    .string()
    .trim()
    .refine((v) => /^[^:\s]+:\S{12,}$/.test(v), 'must be user:password, the password at least 12 characters')
    .optional(),
  RESEND_WEBHOOK_SECRET: z
    .string()
    .trim()
    .refine((v) => /^whsec_[A-Za-z0-9+/=]+$/.test(v), 'must be the whsec_… signing secret from Resend')
    .optional(),
  /** DNS servers for `paperboy doctor` (comma-separated ip or ip:port); default: the system's. */
  DNS_SERVERS: z
    .string()
    .trim()
    .optional()
    .transform((v) =>
      v
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : undefined,
    ),
  DEFAULT_FREQUENCY: z.enum(FREQUENCIES, { error: 'must be daily or weekly' }).default('daily'),
  WEEKLY_DAY: z
    .string()
    .trim()
    .toLowerCase()
    .default('monday')
    .refine((v) => weekdayNamed(v) !== undefined, 'must be a day of the week such as monday or mon')
    .transform((v) => weekdayNamed(v)!),
});

/** Paperboy's configuration after parsing; see `.env.example` for every key. */
export type Config = z.infer<typeof configSchema> & {
  /** The directory relative paths resolve against. */
  cwd: string;
  /** Path of the SQLite file when DATABASE_URL is `file:`, else undefined. */
  sqlitePath: string | undefined;
};

/** Keys whose values must never be echoed, even in a validation error (secrets, and an address). */
const SECRET_KEYS = new Set([
  'SECRET_KEY',
  'SMTP_URL',
  'DATABASE_URL',
  'DKIM_PRIVATE_KEY',
  'DKIM_PRIVATE_KEY_FILE',
  'DKIM_ED25519_PRIVATE_KEY',
  'DKIM_ED25519_PRIVATE_KEY_FILE',
  'OPERATOR_EMAIL',
  'BOUNCE_IMAP_URL',
  'POSTMARK_WEBHOOK_AUTH',
  'RESEND_WEBHOOK_SECRET',
  'ADMIN_PASSWORD_HASH',
  'ADMIN_PASSWORD',
]);

/**
 * Reads `.env` from `cwd` (the environment wins over the file) and validates it.
 * Throws AppError('CONFIG_INVALID') with one line naming the key and what is wrong.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env, cwd = process.cwd()): Config {
  const envFile = path.join(cwd, '.env');
  const fromFile = existsSync(envFile) ? parseDotenv(readFileSync(envFile)) : {};
  const merged: Record<string, string | undefined> = { ...fromFile };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) merged[k] = v;
  // An empty value in .env means "use the default".
  for (const k of Object.keys(merged)) if (merged[k] === '') delete merged[k];

  const result = configSchema.safeParse(merged);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const key = String(issue.path[0] ?? 'config');
    const got = SECRET_KEYS.has(key) || merged[key] === undefined ? '' : ` (got ${JSON.stringify(merged[key])})`;
    throw new AppError('CONFIG_INVALID', `config: ${key} ${issue.message}${got}`);
  }
  const cfg = result.data;
  const dkimSet = [cfg.DKIM_DOMAIN, cfg.DKIM_SELECTOR, cfg.DKIM_PRIVATE_KEY ?? cfg.DKIM_PRIVATE_KEY_FILE].filter(Boolean).length;
  if (dkimSet > 0 && dkimSet < 3) {
    throw new AppError('CONFIG_INVALID', 'config: DKIM needs DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY (or DKIM_PRIVATE_KEY_FILE) together');
  }
  if (cfg.ADMIN_PASSWORD_HASH && cfg.ADMIN_PASSWORD) {
    throw new AppError('CONFIG_INVALID', 'config: set ADMIN_PASSWORD_HASH or ADMIN_PASSWORD, not both');
  }
  const sqlitePath = cfg.DATABASE_URL.startsWith('file:') ? path.resolve(cwd, cfg.DATABASE_URL.slice('file:'.length)) : undefined;
  return { ...cfg, cwd, sqlitePath, OUTBOX_DIR: path.resolve(cwd, cfg.OUTBOX_DIR) };
}

/** Warnings about a valid but risky configuration, printed once at start-up. */
export function configWarnings(cfg: Config): string[] {
  const warnings: string[] = [];
  const host = new URL(cfg.PUBLIC_URL).hostname;
  if (cfg.PUBLIC_URL.startsWith('http:') && !['localhost', '127.0.0.1', '[::1]'].includes(host)) {
    warnings.push(`PUBLIC_URL is http, not https: mail clients may distrust the unsubscribe link (${cfg.PUBLIC_URL})`);
  }
  const fromDomain = parseMailbox(cfg.MAIL_FROM)?.address.split('@')[1]?.toLowerCase();
  if (cfg.DKIM_DOMAIN && fromDomain && fromDomain !== cfg.DKIM_DOMAIN && !fromDomain.endsWith(`.${cfg.DKIM_DOMAIN}`)) {
    warnings.push(`DKIM_DOMAIN ${cfg.DKIM_DOMAIN} does not match the MAIL_FROM domain ${fromDomain}: DMARC will not align`);
  }
  return warnings;
}

/** A URL (SMTP_URL, DATABASE_URL) with its password replaced, for logs, errors and status. */
export function redactUrl(url: string | undefined): string | undefined {
  if (!url) return url;
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
