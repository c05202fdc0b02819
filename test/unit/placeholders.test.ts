import { describe, expect, it } from 'vitest';
import { fillPlaceholders, placeholderNames } from '../../src/code-blocks/placeholders.ts';

describe('placeholders in shell blocks', () => {
  it('finds each name once, in order', () => {
    expect(placeholderNames('docker tag <image_id> $REGISTRY/<username>/app && docker push $REGISTRY/<username>/app')).toEqual([
      'image_id',
      'username',
    ]);
    expect(placeholderNames('cat <<EOF\nhi\nEOF')).toEqual([]);
  });

  it('fills every occurrence and reports what is missing', () => {
    expect(fillPlaceholders('docker stop <container_id>; docker rm <container_id>', { container_id: 'hello' })).toEqual({
      command: 'docker stop hello; docker rm hello',
      missing: [],
      invalid: [],
    });
    expect(fillPlaceholders('docker top <container_id>', {})).toMatchObject({ missing: ['container_id'] });
    expect(fillPlaceholders('docker top <container_id>', { container_id: '  ' })).toMatchObject({ missing: ['container_id'] });
  });

  it('refuses values that are not ids, names or tags', () => {
    expect(fillPlaceholders('docker top <container_id>', { container_id: 'x; rm -rf /' })).toMatchObject({ invalid: ['container_id'] });
    expect(fillPlaceholders('docker run <image_id>', { image_id: 'registry:5000/me/app:1.0' })).toMatchObject({ invalid: [], missing: [] });
  });
});
