/**
 * Debian's SpamAssassin as a scorer for tests, the same on every machine and offline:
 *  - local tests only (`-L`): no DNS blocklists, no URIBL, no SPF/DKIM lookups, no Razor/Pyzor;
 *  - the default rules the Debian package ships in /usr/share/spamassassin (`--configpath`), not
 *    whatever `sa-update` left in /var/lib/spamassassin (CI has no internet to run it);
 *  - a site configuration written here (`--siteconfigpath`) instead of /etc/spamassassin, so the
 *    machine's local.cf and .pre files cannot change a score: the standard plugins, no Bayes;
 *  - no user preferences (`-x`, an empty `-p` file, a throwaway HOME).
 * Where `spamassassin` is missing the tests say so and skip (`requires('spamassassin')`).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { onPath } from './requires.js';

/** The `spamassassin` script on PATH, or undefined. */
export const SPAMASSASSIN = onPath('spamassassin');
/** Where Debian's package (and upstream's default build) puts the default rules. */
export const SHIPPED_RULES = process.env.SPAMASSASSIN_RULES ?? '/usr/share/spamassassin';

export interface RuleHit {
  rule: string;
  points: number;
  description: string;
}

export interface SpamReport {
  /** The score SpamAssassin reports (X-Spam-Status: score=, one decimal). */
  score: number;
  required: number;
  /** Every scoring rule that hit, highest points first. */
  hits: RuleHit[];
}

/** The plugins Debian enables by default in /etc/spamassassin/*.pre, minus network-only ones. */
const PLUGINS = `
loadplugin Mail::SpamAssassin::Plugin::Check
loadplugin Mail::SpamAssassin::Plugin::HTTPSMismatch
loadplugin Mail::SpamAssassin::Plugin::URIDetail
loadplugin Mail::SpamAssassin::Plugin::BodyEval
loadplugin Mail::SpamAssassin::Plugin::HTMLEval
loadplugin Mail::SpamAssassin::Plugin::HeaderEval
loadplugin Mail::SpamAssassin::Plugin::MIMEEval
loadplugin Mail::SpamAssassin::Plugin::RelayEval
loadplugin Mail::SpamAssassin::Plugin::URIEval
loadplugin Mail::SpamAssassin::Plugin::WLBLEval
loadplugin Mail::SpamAssassin::Plugin::VBounce
loadplugin Mail::SpamAssassin::Plugin::ImageInfo
loadplugin Mail::SpamAssassin::Plugin::FreeMail
loadplugin Mail::SpamAssassin::Plugin::MIMEHeader
loadplugin Mail::SpamAssassin::Plugin::ReplaceTags
loadplugin Mail::SpamAssassin::Plugin::DKIM
loadplugin Mail::SpamAssassin::Plugin::SPF
if version >= 4.000000
loadplugin Mail::SpamAssassin::Plugin::WelcomeListSubject
loadplugin Mail::SpamAssassin::Plugin::DMARC
endif
`;

const LOCAL_CF = `
use_bayes 0
bayes_auto_learn 0
dns_available no
skip_rbl_checks 1
# Every rule that hit with its exact points, for the report.
add_header all Tests _TESTSSCORES(,)_
`;

/** A configured SpamAssassin: `score(raw)` runs `spamassassin -L -t` on one message. */
export class SpamAssassin {
  private readonly dir: string;

  constructor() {
    if (!SPAMASSASSIN) throw new Error('spamassassin not found (apt-get install spamassassin)');
    if (!existsSync(path.join(SHIPPED_RULES, '50_scores.cf'))) {
      throw new Error(`no SpamAssassin rules in ${SHIPPED_RULES} (the Debian package ships them there; set SPAMASSASSIN_RULES)`);
    }
    this.dir = mkdtempSync(path.join(tmpdir(), 'paperboy-sa-'));
    mkdirSync(path.join(this.dir, 'site'));
    mkdirSync(path.join(this.dir, 'home'));
    writeFileSync(path.join(this.dir, 'site', 'plugins.pre'), PLUGINS);
    writeFileSync(path.join(this.dir, 'site', 'local.cf'), LOCAL_CF);
    writeFileSync(path.join(this.dir, 'user_prefs'), '');
  }

  async score(raw: Buffer): Promise<SpamReport> {
    const args = ['-L', '-t', '-x', `--configpath=${SHIPPED_RULES}`, `--siteconfigpath=${path.join(this.dir, 'site')}`, '-p', path.join(this.dir, 'user_prefs')];
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: path.join(this.dir, 'home'), LC_ALL: 'C', TZ: 'UTC' };
    const { code, stdout, stderr } = await run(SPAMASSASSIN!, args, env, raw);
    if (code !== 0) throw new Error(`spamassassin exited with ${code}: ${stderr}`);
    return parse(stdout, stderr);
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** "digest: 0.0 (required 5.0)" and one line per rule that hit: points, name, description. */
export function describeReport(label: string, r: SpamReport): string {
  const lines = r.hits.map((h) => `  ${h.points.toFixed(3).padStart(7)}  ${h.rule.padEnd(24)} ${h.description}`);
  return [`${label}: SpamAssassin score ${r.score.toFixed(1)} (required ${r.required.toFixed(1)})`, ...(lines.length ? lines : ['  (no rule hit)'])].join('\n');
}

/** The headers of a message (up to the first empty line), unfolded, as [name, value] pairs. */
export function headers(raw: string): [string, string][] {
  const end = raw.search(/\r?\n\r?\n/);
  const block = (end === -1 ? raw : raw.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  return block
    .split(/\r?\n/)
    .map((line) => /^([^:\s]+):\s*(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1]!, m[2]!]);
}

function parse(out: string, stderr: string): SpamReport {
  const head = headers(out);
  const get = (name: string) => head.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
  const status = get('X-Spam-Status');
  const m = status && /\bscore=(-?\d+(?:\.\d+)?)\s+required=(-?\d+(?:\.\d+)?)/.exec(status);
  if (!m) throw new Error(`no X-Spam-Status score in spamassassin's output\n${stderr}\n${out.slice(0, 2000)}`);
  // The -t report: " 0.0 HTML_MESSAGE           BODY: HTML included in message" (descriptions may wrap).
  const descriptions = new Map<string, string>();
  const details = out.slice(out.lastIndexOf('Content analysis details:'));
  let last: string | undefined;
  for (const line of details.split(/\r?\n/)) {
    const hit = /^\s*-?\d+(?:\.\d+)?\s+([A-Z0-9_]+)\s+(.*)$/.exec(line);
    if (hit) descriptions.set((last = hit[1]!), hit[2]!.trim());
    else if (last && /^\s{20,}\S/.test(line)) descriptions.set(last, `${descriptions.get(last)} ${line.trim()}`);
    else last = undefined;
  }
  const tests = (get('X-Spam-Tests') ?? '').replace(/\s+/g, '');
  const hits = tests
    .split(',')
    .filter(Boolean)
    .map((t) => {
      const [rule, points] = t.split('=');
      return { rule: rule!, points: Number(points), description: descriptions.get(rule!) ?? '' };
    })
    .sort((a, b) => b.points - a.points || a.rule.localeCompare(b.rule));
  return { score: Number(m[1]), required: Number(m[2]), hits };
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, input: Buffer): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('latin1'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.on('error', () => {}); // an early exit shows in the exit code
    child.stdin.end(input);
  });
}
