import { describe, expect, it } from 'vitest';
import { fillPlaceholders, misspelledPlaceholders, placeholderNames } from '../../src/code-blocks/placeholders.ts';

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

describe('tokens that look like placeholders but are not <lower_snake>', () => {
  it('are found, each once, with the name to write instead', () => {
    expect(misspelledPlaceholders('docker top <CONTAINER_ID> && docker logs <container-id> <CONTAINER_ID>')).toEqual([
      { token: '<CONTAINER_ID>', suggestion: 'container_id' },
      { token: '<container-id>', suggestion: 'container_id' },
    ]);
    expect(misspelledPlaceholders('docker rm <ContainerName>')).toEqual([{ token: '<ContainerName>', suggestion: 'container_name' }]);
    expect(misspelledPlaceholders('docker rm "<Image>"')).toEqual([{ token: '<Image>', suggestion: 'image' }]);
    expect(misspelledPlaceholders('docker rm <x>')).toEqual([{ token: '<x>', suggestion: undefined }]);
  });

  it('are not redirections, here-documents, here-strings, process substitutions, comments or single-quoted text', () => {
    for (const command of [
      'cat <file',
      'cat <in >out',
      'sort <in.txt >out.txt',
      'cat < Input > Output',
      'tr a-z A-Z <<<"hello"',
      'cat <<<Hello',
      'cat <<<Hello>out',
      'diff <(echo a) <(echo b)',
      "cat <<'EOF' > index.html\n<HTML><Body>hi</Body></HTML>\nEOF",
      'cat <<-END\n\t<Item>\n\tEND',
      'cat <<EOF>Notes\nfine\nEOF',
      "echo '<Title>' > page.html",
      'docker ps # stop it with docker stop <ID>',
      'exec 3<&0',
      'docker top <container_id>',
    ]) {
      expect(misspelledPlaceholders(command), command).toEqual([]);
    }
    // After a here-document ends, its lines are commands again.
    expect(misspelledPlaceholders("cat <<'EOF' > a\n<Fine>\nEOF\ndocker top <ID>")).toEqual([{ token: '<ID>', suggestion: 'id' }]);
  });
});
