import { Resolver } from 'node:dns/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestDns, startDns } from '../helpers/dns-server.js';

// The doctor's tests trust this server: check that node's resolver reads its answers as a real one's.
describe('the test DNS server', () => {
  let dns: TestDns;
  let resolver: Resolver;
  // Longer than any EDNS UDP size a resolver offers (1232 bytes): it has to come over TCP.
  const long = `v=DKIM1; k=rsa; p=${'A'.repeat(3000)}`;
  beforeAll(async () => {
    dns = await startDns({
      'example.org': { TXT: ['v=spf1 -all', 'hello'], MX: [{ priority: 10, exchange: 'mx.example.org' }], A: ['127.0.0.1'] },
      'sel._domainkey.example.org': { TXT: [long] },
    });
    resolver = new Resolver({ timeout: 1000, tries: 1 });
    resolver.setServers([dns.server]);
  });
  afterAll(() => dns?.close());

  it('answers TXT, MX and A records', async () => {
    expect(await resolver.resolveTxt('example.org')).toEqual([['v=spf1 -all'], ['hello']]);
    expect(await resolver.resolveMx('example.org')).toEqual([{ priority: 10, exchange: 'mx.example.org' }]);
    expect(await resolver.resolve4('example.org')).toEqual(['127.0.0.1']);
  });

  it('splits a long TXT value into 255-byte strings and serves it whole (over TCP when UDP is too small)', async () => {
    const [record] = await resolver.resolveTxt('sel._domainkey.example.org');
    expect(record!.every((s) => s.length <= 255)).toBe(true);
    expect(record!.join('')).toBe(long);
  });

  it('says NXDOMAIN for unknown names and no data for names that exist', async () => {
    await expect(resolver.resolveTxt('nope.example.org')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(resolver.resolveTxt('_domainkey.example.org')).rejects.toMatchObject({ code: 'ENODATA' });
    await expect(resolver.resolveMx('sel._domainkey.example.org')).rejects.toMatchObject({ code: 'ENODATA' });
  });
});
