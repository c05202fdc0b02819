import { describe, expect, it } from 'vitest';
import { portResponseHeaders, rewriteLocation } from '../../server/http/proxy-headers.ts';

const target = { host: '10.213.0.2', port: 8000 };
const prefix = '/ports/s1/8000/';

describe('rewriteLocation: only inside the same port link', () => {
  it.each([
    ['/next', '/a/b', `${prefix}next`],
    ['next', '/a/b', `${prefix}a/next`],
    ['../../../../x?y=1#z', '/a/b', `${prefix}x?y=1#z`],
    ['http://localhost:8000/in', '/', `${prefix}in`],
    ['http://10.213.0.2:8000/in', '/', `${prefix}in`],
  ])('%s from %s -> %s', (location, path, expected) => {
    expect(rewriteLocation(location, path, prefix, target)).toBe(expected);
  });
  it.each([
    'http://evil.example/',
    '//evil.example/x',
    'https://localhost:8000/',
    'http://localhost:8001/',
    'javascript:alert(1)',
    'data:text/html,x',
  ])('%s is dropped', (location) => {
    expect(rewriteLocation(location, '/', prefix, target)).toBeUndefined();
  });
});

describe('portResponseHeaders: an allow-list', () => {
  it('keeps content headers, drops the rest, adds the sandbox CSP', () => {
    const out = portResponseHeaders(
      { 'content-type': 'text/html', 'set-cookie': ['a=b'], 'clear-site-data': '"*"', refresh: '0', 'transfer-encoding': 'chunked', etag: '"1"' },
      '/',
      prefix,
      target,
    );
    expect(Object.keys(out).sort()).toEqual(['content-security-policy', 'content-type', 'etag', 'x-content-type-options']);
  });
});
