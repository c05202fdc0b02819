import { describe, expect, it } from 'vitest';
import { parseDockerHost } from '../../server/docker/docker-host.ts';
import { describeEngineError, isConnectionError } from '../../server/docker/engine-error.ts';

const unix = parseDockerHost({});

describe('describeEngineError says what happened and what to do', () => {
  it.each([
    ['ENOENT', /unix:\/\/\/var\/run\/docker\.sock: connect ENOENT .*Start Docker/],
    ['EACCES', /docker group/],
    ['ECONNREFUSED', /Start Docker/],
    ['EWHATEVER', /Check that the Docker engine is running/],
  ])('%s', (code, expected) => {
    const err = Object.assign(new Error(`connect ${code} /var/run/docker.sock`), { code });
    expect(describeEngineError(err, unix).message).toMatch(expected);
  });

  it('tells connection failures from API answers', () => {
    expect(isConnectionError(Object.assign(new Error('x'), { code: 'ENOENT' }))).toBe(true);
    expect(isConnectionError(Object.assign(new Error('x'), { statusCode: 404 }))).toBe(false);
  });
});
