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
    expect(misspelledPlaceholders("docker rm '<x>' <Image>")).toEqual([{ token: '<Image>', suggestion: 'image' }]);
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

  it('are not text in double quotes, where < is no redirection', () => {
    for (const command of [
      'echo "<p>Hello</p>" > index.html',
      'sed "s/<B>//" f',
      'echo "List<String>"',
      'docker rm "<Image>"',
      'echo "a \\" <B>"',
      'echo "line one\n<Two>"',
      'echo "one\n<Two>\nthree" > notes.txt',
      "echo $'it\\'s <B>'",
      "echo $'<B>' > out",
      'echo \\<B\\>',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's ${...}, not a template
      'echo ${title:-<Untitled>}',
    ]) {
      expect(misspelledPlaceholders(command), command).toEqual([]);
    }
  });

  it('are found outside the quotes of the same line, and in a command substituted inside double quotes', () => {
    expect(misspelledPlaceholders('echo "<p>" <ID>')).toEqual([{ token: '<ID>', suggestion: 'id' }]);
    expect(misspelledPlaceholders('echo "a \\" <B>" <ID>')).toEqual([{ token: '<ID>', suggestion: 'id' }]);
    expect(misspelledPlaceholders('echo "a \\"" <ID>')).toEqual([{ token: '<ID>', suggestion: 'id' }]);
    expect(misspelledPlaceholders("echo $'it\\'s' <ID>")).toEqual([{ token: '<ID>', suggestion: 'id' }]);
    expect(misspelledPlaceholders('echo "$(docker logs <ID>)"')).toEqual([{ token: '<ID>', suggestion: 'id' }]);
    expect(misspelledPlaceholders('echo "`docker logs <ID>`"')).toEqual([{ token: '<ID>', suggestion: 'id' }]);
    // A lower-case <name> in double quotes is still a placeholder, filled in before bash reads it.
    expect(placeholderNames('echo "<container_id>"')).toEqual(['container_id']);
  });

  it('skip the body of every here-document form', () => {
    for (const open of ['<<\\EOF', '<<"EOF"', "<<'EOF'", '<<EOF', '<< EOF', '<<E"O"F', '<<-EOF', '<<-\\EOF']) {
      const command = `cat ${open} > page.html\n<HTML><Body>hi</Body></HTML>\nEOF\ndocker top <ID>`;
      expect(misspelledPlaceholders(command), command).toEqual([{ token: '<ID>', suggestion: 'id' }]);
    }
    // Two here-documents on one line: both bodies, in order.
    expect(misspelledPlaceholders('cat <<A <<\\B\n<One>\nA\n<Two>\nB\necho <ID>')).toEqual([{ token: '<ID>', suggestion: 'id' }]);
    // A delimiter line must be the word exactly (with <<-, after its leading tabs): an indented EOF is body.
    expect(misspelledPlaceholders('cat <<EOF\n  EOF\n<Still>\nEOF')).toEqual([]);
    // `<<` inside quotes opens nothing.
    expect(misspelledPlaceholders('echo "<<EOF"\ndocker top <ID>')).toEqual([{ token: '<ID>', suggestion: 'id' }]);
  });

  it('are found after arithmetic shifts, which are not here-documents', () => {
    for (const shift of ['echo $(( 1<<2 ))', 'echo $((1 << 2))', '(( x <<= 1 ))', 'x=$(( (1<<4) | 1 ))']) {
      const command = `${shift}\ndocker top <ID>\n2`;
      expect(misspelledPlaceholders(command), command).toEqual([{ token: '<ID>', suggestion: 'id' }]);
    }
    expect(misspelledPlaceholders('echo $(( a<B>1 ))')).toEqual([]);
  });
});
