/**
 * DNS for `paperboy doctor`: node:dns's Resolver, pointed at DNS_SERVERS when set (tests start
 * a server on loopback; an operator may ask a public resolver to see what receivers see), with
 * short timeouts so that a dead server makes a failing line, not a hang.
 *
 * A lookup answers "these records", "none" (NXDOMAIN or no data: a fact about the zone) or
 * "could not tell" (timeout, SERVFAIL…: a fact about the lookup), and the checks say which.
 */
import { lookup as systemLookup } from 'node:dns';
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';

/** What one lookup found. */
export type Lookup<T> = { ok: true; records: T[] } | { ok: false; error: string };

/** Resolver settings. */
export interface DnsOptions {
  /** `ip` or `ip:port` (`[v6]:port`); the system's servers when absent. */
  servers?: string[] | undefined;
  /** Per try, in milliseconds. */
  timeoutMs?: number;
  tries?: number;
}

/** "No such record" answers: the zone says so. Anything else means the lookup itself failed. */
const ABSENT = new Set(['ENODATA', 'ENOTFOUND', 'NOTFOUND', 'ENONAME']);

/** The doctor's view of DNS: TXT, MX and addresses, each as a {@link Lookup}. */
export class Dns {
  private readonly resolver: Resolver;
  /** The servers asked, for messages ("the system's" when none were configured). */
  readonly describe: string;

  constructor(opts: DnsOptions = {}) {
    this.resolver = new Resolver({ timeout: opts.timeoutMs ?? 3000, tries: opts.tries ?? 2 });
    if (opts.servers?.length) this.resolver.setServers(opts.servers);
    this.describe = opts.servers?.length ? opts.servers.join(', ') : "the system's DNS servers";
  }

  /** TXT records of `name`, each one's strings joined (a long record comes as several ≤255-byte strings). */
  txt(name: string): Promise<Lookup<string>> {
    return this.wrap(name, 'TXT', async () => (await this.resolver.resolveTxt(name)).map((chunks) => chunks.join('')));
  }

  /** MX records of `name`, lowest preference first. */
  mx(name: string): Promise<Lookup<{ priority: number; exchange: string }>> {
    return this.wrap(name, 'MX', async () => (await this.resolver.resolveMx(name)).sort((a, b) => a.priority - b.priority));
  }

  /** IPv4 then IPv6 addresses of `name`. */
  async addresses(name: string): Promise<Lookup<string>> {
    const v4 = await this.wrap(name, 'A', () => this.resolver.resolve4(name));
    if (v4.ok && v4.records.length) return v4;
    const v6 = await this.wrap(name, 'AAAA', () => this.resolver.resolve6(name));
    if (v6.ok && v6.records.length) return v6;
    return v4.ok ? v6 : v4;
  }

  /**
   * A `lookup` for net/tls/http that asks these servers first, then the system's resolver
   * (getaddrinfo: /etc/hosts, a container's DNS), so that a host only the machine knows still
   * connects.
   */
  lookupFunction(): LookupFunction {
    return (hostname, options, callback) => {
      const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all === true;
      if (isIP(hostname) || hostname === 'localhost') {
        systemLookup(hostname, options as object, callback as never);
        return;
      }
      void this.addresses(hostname).then((found) => {
        const first = found.ok ? found.records[0] : undefined;
        if (!first) {
          systemLookup(hostname, options as object, callback as never);
          return;
        }
        const family = isIP(first);
        if (all) (callback as AllCallback)(null, found.ok ? found.records.map((address) => ({ address, family: isIP(address) })) : []);
        else (callback as OneCallback)(null, first, family);
      });
    };
  }

  private async wrap<T>(name: string, type: string, fn: () => Promise<T[]>): Promise<Lookup<T>> {
    try {
      return { ok: true, records: await fn() };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      if (ABSENT.has(code)) return { ok: true, records: [] };
      return { ok: false, error: `the ${type} lookup of ${name} failed (${code}, asking ${this.describe})` };
    }
  }
}

type OneCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;
type AllCallback = (err: NodeJS.ErrnoException | null, addresses: { address: string; family: number }[]) => void;
/** The `lookup` option of net.connect, tls.connect and http.request. */
export type LookupFunction = (hostname: string, options: unknown, callback: OneCallback | AllCallback) => void;

/**
 * The organisational domain, simplified to the last two labels (`mail.news.example.org` →
 * `example.org`). RFC 7489 uses the Public Suffix List, which this does not ship: a domain
 * under a two-label suffix (`example.co.uk`) comes out as `co.uk`, and the messages say so.
 */
export function orgDomain(domain: string): string {
  return domain.toLowerCase().replace(/\.$/, '').split('.').slice(-2).join('.');
}

/** A host that is this machine (a local relay), where plaintext SMTP does not cross a network. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\./.test(h);
}
