import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientAddress, clientKey, overHttps } from '../../server/security/client-address.ts';

const req = (remoteAddress: string, headers: Record<string, string> = {}) => ({ socket: { remoteAddress }, headers }) as unknown as IncomingMessage;
const PROXIES = ['10.0.0.1', '10.0.0.2'];

describe('clientAddress: who the client is, in each mode', () => {
  it.each([
    ['a direct client: its socket address', req('192.0.2.5', { 'x-forwarded-for': '198.51.100.1' }), '192.0.2.5'],
    ['IPv4 in IPv6 form is unwrapped', req('::ffff:192.0.2.5'), '192.0.2.5'],
    ['via a trusted proxy: the hop it appended', req('10.0.0.1', { 'x-forwarded-for': '203.0.113.9, 198.51.100.1' }), '198.51.100.1'],
    ['trusted proxies in the chain are skipped', req('10.0.0.1', { 'x-forwarded-for': '198.51.100.1, 10.0.0.2' }), '198.51.100.1'],
    ['a hop with a port', req('10.0.0.1', { 'x-forwarded-for': '198.51.100.1:5555' }), '198.51.100.1'],
    ['a bracketed IPv6 hop', req('10.0.0.1', { 'x-forwarded-for': '[2001:db8::1]:443' }), '2001:db8::1'],
    ['garbage from the proxy counts as the proxy', req('10.0.0.1', { 'x-forwarded-for': 'unknown' }), '10.0.0.1'],
    ['no header from the proxy: the proxy itself', req('10.0.0.1'), '10.0.0.1'],
  ])('%s', (_name, r, expected) => {
    expect(clientAddress(r, PROXIES)).toBe(expected);
  });
});

describe('clientKey: IPv6 by /64', () => {
  it.each([
    ['192.0.2.5', '192.0.2.5'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff:0:0:9', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1:2:3:4', 'fe80:0:0:0::/64'],
  ])('%s -> %s', (address, key) => {
    expect(clientKey(address)).toBe(key);
  });
});

describe('overHttps', () => {
  it('believes X-Forwarded-Proto only from a trusted proxy', () => {
    expect(overHttps(req('10.0.0.1', { 'x-forwarded-proto': 'https' }), PROXIES)).toBe(true);
    expect(overHttps(req('10.0.0.1', { 'x-forwarded-proto': 'http' }), PROXIES)).toBe(false);
    expect(overHttps(req('192.0.2.5', { 'x-forwarded-proto': 'https' }), PROXIES)).toBe(false);
  });
});
