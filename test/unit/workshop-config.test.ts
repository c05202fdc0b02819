import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { hashPassword } from '../../server/security/password.ts';

const hash = hashPassword('x');

describe('workshop settings in the configuration', () => {
  it("an instructors' password needs the class password (the same login page)", () => {
    expect(() => loadConfig({ INSTRUCTOR_PASSWORD_HASH: hash })).toThrow(/INSTRUCTOR_PASSWORD_HASH: set NOTES_PASSWORD_HASH too/);
    expect(loadConfig({ NOTES_PASSWORD_HASH: hash, INSTRUCTOR_PASSWORD_HASH: hash }).instructorPasswordHash).toBe(hash);
  });

  it('an empty INSTRUCTOR_PASSWORD_HASH (compose passes one) is unset, a malformed one is refused', () => {
    expect(loadConfig({ INSTRUCTOR_PASSWORD_HASH: '' }).instructorPasswordHash).toBeUndefined();
    expect(() => loadConfig({ NOTES_PASSWORD_HASH: hash, INSTRUCTOR_PASSWORD_HASH: 'plain' })).toThrow(/INSTRUCTOR_PASSWORD_HASH/);
  });

  it('proxy instructors need the proxy header, and names the header can carry', () => {
    expect(() => loadConfig({ TRUSTED_PROXY_INSTRUCTORS: 'ann' })).toThrow(/set TRUSTED_PROXY_HEADER too/);
    const proxy = { TRUSTED_PROXY_HEADER: 'X-Forwarded-User', TRUSTED_PROXIES: '127.0.0.9' };
    expect(loadConfig({ ...proxy, TRUSTED_PROXY_INSTRUCTORS: 'ann, bo' }).trustedProxyInstructors).toEqual(['ann', 'bo']);
    expect(() => loadConfig({ ...proxy, TRUSTED_PROXY_INSTRUCTORS: 'ann,b/o' })).toThrow(/"b\/o" is not a user name/);
  });

  it('the database lives in the state folder unless WORKSHOP_DB names a file', () => {
    expect(loadConfig({ RDN_STATE_DIR: '/srv/state' }).workshopDb).toBe('/srv/state/workshop.sqlite');
    expect(loadConfig({ WORKSHOP_DB: '/tmp/w.sqlite' }).workshopDb).toBe('/tmp/w.sqlite');
    expect(loadConfig({}).workshopRetentionDays).toBe(30);
    expect(() => loadConfig({ WORKSHOP_RETENTION_DAYS: '0' })).toThrow(/WORKSHOP_RETENTION_DAYS/);
  });
});
