/**
 * The client address the limits count against (src/http/client-address.ts), read through a real
 * hono app as the server reads it: the socket's peer, or behind N trusted proxies the Nth
 * X-Forwarded-For entry from the right.
 */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { clientIp, limitKey } from '../../src/http/client-address.js';
import { fromIp } from '../helpers/forms.js';

/** What clientIp says for a request from `peer` with these X-Forwarded-For headers and `hops` trusted proxies. */
async function ipOf(hops: number, forwardedFor?: string, peer = '10.0.0.1'): Promise<string> {
  const http = new Hono();
  http.get('/', (c) => c.text(clientIp(c, hops)));
  const headers: Record<string, string> = forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor };
  return (await http.request('/', { headers }, fromIp(peer))).text();
}

describe('clientIp', () => {
  it('is the socket peer without trusted proxies, whatever X-Forwarded-For says', async () => {
    expect(await ipOf(0, '198.51.100.7', '192.0.2.1')).toBe('192.0.2.1');
    expect(await ipOf(0, undefined, '192.0.2.1')).toBe('192.0.2.1');
  });

  it('is the right-most entry with one trusted proxy, the one it appended', async () => {
    expect(await ipOf(1, '198.51.100.7')).toBe('198.51.100.7');
    expect(await ipOf(1, '1.2.3.4, 198.51.100.7')).toBe('198.51.100.7');
    expect(await ipOf(1, 'anything-the-client-wrote , 5.6.7.8,198.51.100.7')).toBe('198.51.100.7');
  });

  it('is the Nth entry from the right with N trusted proxies, the left-most when there are fewer', async () => {
    expect(await ipOf(2, '1.2.3.4, 198.51.100.7, 10.0.0.2')).toBe('198.51.100.7');
    expect(await ipOf(3, '1.2.3.4, 198.51.100.7, 10.0.0.2, 10.0.0.3')).toBe('198.51.100.7');
    expect(await ipOf(3, '198.51.100.7, 10.0.0.2')).toBe('198.51.100.7');
  });

  it('falls back to the socket peer when a trusted proxy sent no X-Forwarded-For (or an empty one)', async () => {
    expect(await ipOf(1, undefined, '10.0.0.9')).toBe('10.0.0.9');
    expect(await ipOf(1, ' , ', '10.0.0.9')).toBe('10.0.0.9');
  });

  it('drops a port or brackets a proxy put around the address', async () => {
    expect(await ipOf(1, '198.51.100.7:51234')).toBe('198.51.100.7');
    expect(await ipOf(1, '[2001:DB8::1]:443')).toBe('2001:db8::1');
    expect(await ipOf(1, '2001:db8::1')).toBe('2001:db8::1');
  });
});

describe('limitKey', () => {
  it('counts IPv4 as it is, an IPv4-mapped IPv6 address as its IPv4 form', () => {
    expect(limitKey('198.51.100.7')).toBe('198.51.100.7');
    expect(limitKey('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(limitKey('::FFFF:198.51.100.7')).toBe('198.51.100.7');
  });

  it('counts IPv6 by its /64: a host cannot take a fresh address per request', () => {
    const key = limitKey('2001:db8:1:2::1');
    expect(key).toBe('2001:0db8:0001:0002::/64');
    for (const ip of ['2001:db8:1:2::ffff', '2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:0db8:0001:0002:0:0:0:7', '2001:db8:1:2::1%eth0']) {
      expect(limitKey(ip), ip).toBe(key);
    }
    expect(limitKey('2001:db8:1:3::1')).not.toBe(key);
    expect(limitKey('::1')).toBe('0000:0000:0000:0000::/64');
    expect(limitKey('64:ff9b::192.0.2.1')).toBe('0064:ff9b:0000:0000::/64');
  });

  it('leaves anything that is not an address as it is', () => {
    expect(limitKey('unknown')).toBe('unknown');
  });
});
