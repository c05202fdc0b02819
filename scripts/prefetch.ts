/**
 * `npm run prefetch [registry-url]`: warms a pull-through cache of Docker Hub with every image the
 * pages use, so a room full of sandboxes pulls from the cache and not from Docker Hub.
 *
 * Reads the shell and Dockerfile blocks of every page in docs/, collects the images that
 * `docker run`, `docker pull` and `FROM` use (not those the pages build or tag themselves), then
 * asks the cache (default http://127.0.0.1:5000) for each image's manifest and blobs: a registry
 * in proxy mode fetches what it lacks from Docker Hub and keeps it.
 * Node built-ins only (and the site's own rule for which lines of a block are the command).
 */
import fs from 'node:fs';
import path from 'node:path';
import { RUNNABLE_LANGUAGES, shellCommand } from '../src/code-blocks/shell-command.ts';

const DEFAULT_CACHE = 'http://127.0.0.1:5000';

/** Manifest kinds asked for: multi-platform indexes first, then single-platform manifests. */
const INDEX_TYPES = ['application/vnd.docker.distribution.manifest.list.v2+json', 'application/vnd.oci.image.index.v1+json'];
const MANIFEST_TYPES = ['application/vnd.docker.distribution.manifest.v2+json', 'application/vnd.oci.image.manifest.v1+json'];

/** `docker run` flags that take a value (as the next word, or attached with `=`). */
const RUN_VALUE_FLAGS = new Set([
  '-p',
  '--publish',
  '-v',
  '--volume',
  '-e',
  '--env',
  '--env-file',
  '--name',
  '-w',
  '--workdir',
  '-m',
  '--memory',
  '--cpus',
  '--network',
  '--entrypoint',
  '-u',
  '--user',
  '--mount',
  '-l',
  '--label',
  '--label-file',
  '--platform',
  '--restart',
  '-h',
  '--hostname',
  '--expose',
  '--add-host',
  '--pids-limit',
  '--shm-size',
  '--ulimit',
  '--cap-add',
  '--cap-drop',
  '--device',
  '--tmpfs',
  '--log-driver',
  '--log-opt',
  '--security-opt',
  '--stop-signal',
  '--stop-timeout',
  '--cidfile',
  '--ipc',
  '--pid',
  '--uts',
  '--userns',
  '--cgroup-parent',
  '--cgroupns',
]);
/** `docker pull` flags that take a value. */
const PULL_VALUE_FLAGS = new Set(['--platform']);

/** A page's placeholder such as `<image_id>`: part of a word, not a redirection. */
const PLACEHOLDER_AT = /^<[a-z][a-z0-9_]{1,30}>/;

/** The docker subcommands this script reads, wherever they start in a line (also inside `$(...)`). */
const DOCKER_COMMAND =
  /(?:^|[\s;&|(`"'])docker\s+(container\s+run|run|image\s+pull|pull|image\s+build|buildx\s+build|build|image\s+tag|tag)(?=\s|$)/g;

interface Fence {
  lang: string;
  meta: string;
  body: string;
}

/** The fenced code blocks of a Markdown/MDX text, in order. */
function fencedBlocks(text: string): Fence[] {
  const blocks: Fence[] = [];
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^\s*(`{3,}|~{3,})\s*([^\s`]*)\s*(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[1]!;
    const body: string[] = [];
    i++;
    while (i < lines.length && !new RegExp(`^\\s*${fence[0]}{${fence.length},}\\s*$`).test(lines[i]!)) body.push(lines[i++]!);
    blocks.push({ lang: open[2]!.toLowerCase(), meta: open[3]!, body: body.join('\n') });
  }
  return blocks;
}

/**
 * The words of one shell command, starting at `text`, up to the first unquoted operator (pipe,
 * `;`, `&`, `)`, redirection, comment or end of line). Quotes are removed; `$` stays in the word
 * so that a name built from a variable can be recognised and skipped.
 */
function commandWords(text: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let i = 0;
  const push = () => {
    if (word !== undefined) words.push(word);
    word = undefined;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) break; // an unclosed quote: the command goes on past what is read here
      word = (word ?? '') + text.slice(i + 1, end);
      i = end + 1;
    } else if (c === '\\' && i + 1 < text.length) {
      word = (word ?? '') + text[i + 1];
      i += 2;
    } else if (c === '<' && PLACEHOLDER_AT.test(text.slice(i))) {
      const ph = PLACEHOLDER_AT.exec(text.slice(i))![0];
      word = (word ?? '') + ph;
      i += ph.length;
    } else if (/[|;&)`<>\n]/.test(c) || (c === '#' && word === undefined)) {
      break;
    } else if (/\s/.test(c)) {
      push();
      i++;
    } else {
      word = (word ?? '') + c;
      i++;
    }
  }
  push();
  return words;
}

/**
 * The first operand after the options: the image of `docker run` / `docker pull`.
 * Short options may be grouped (`-it`, `-dp 80:80`) and carry their value attached (`-m64m`).
 */
function firstOperand(words: string[], valueFlags: Set<string>): string | undefined {
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === '--') return words[i + 1];
    if (w.startsWith('--')) {
      if (!w.includes('=') && valueFlags.has(w)) i++;
    } else if (w.startsWith('-') && w.length > 1) {
      for (let k = 1; k < w.length; k++) {
        if (!valueFlags.has(`-${w[k]}`)) continue;
        if (k === w.length - 1) i++; // its value is the next word; otherwise the rest of this one
        break;
      }
    } else {
      return w;
    }
  }
  return undefined;
}

/** The names `docker build -t NAME` (or `--tag`) gives the image it builds. */
function buildTags(words: string[]): string[] {
  const tags: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const attached = /^(?:--tag=|-t=?)(.+)$/.exec(w);
    if (w === '-t' || w === '--tag') {
      if (words[i + 1] !== undefined) tags.push(words[++i]!);
    } else if (attached) {
      tags.push(attached[1]!);
    }
  }
  return tags;
}

/** The images a shell command pulls (`used`) and the names it gives to images it makes (`made`). */
function scanShell(command: string, used: string[], made: string[]): void {
  const text = command.replace(/\\\n/g, ' ');
  for (const m of text.matchAll(DOCKER_COMMAND)) {
    const sub = m[1]!.replace(/\s+/g, ' ');
    const words = commandWords(text.slice(m.index + m[0].length));
    if (sub.endsWith('run')) {
      const image = firstOperand(words, RUN_VALUE_FLAGS);
      if (image) used.push(image);
    } else if (sub.endsWith('pull')) {
      const image = firstOperand(words, PULL_VALUE_FLAGS);
      if (image) used.push(image);
    } else if (sub.endsWith('build')) {
      made.push(...buildTags(words));
    } else {
      // `docker tag SOURCE TARGET`: TARGET is a name the page makes.
      const operands = words.filter((w) => !w.startsWith('-'));
      if (operands[1]) made.push(operands[1]);
    }
  }
}

/** The base images of a Dockerfile, without `scratch` and without its own earlier stages. */
function dockerfileBases(text: string): string[] {
  const bases: string[] = [];
  const stages = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^\s*FROM\s+(.+)$/i.exec(line);
    if (!m) continue;
    const words = m[1]!
      .trim()
      .split(/\s+/)
      .filter((w) => !w.startsWith('--'));
    const image = words[0];
    if (words[1]?.toLowerCase() === 'as' && words[2]) stages.add(words[2].toLowerCase());
    if (image && image !== 'scratch' && !stages.has(image.toLowerCase())) bases.push(image);
  }
  return bases;
}

/** A reference as the Distribution spec allows it: [host[:port]/]path[:tag][@digest]. */
const REFERENCE =
  /^(?:([a-zA-Z0-9.-]+(?::\d+)?)\/)?([a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::([\w][\w.-]{0,127}))?(?:@([a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-fA-F]{32,}))?$/;
const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/**
 * The full name of an image reference: `ubuntu` -> `library/ubuntu:latest`,
 * `python:3.12-slim` -> `library/python:3.12-slim`, `me/app` -> `me/app:latest`; an image on
 * another registry keeps its host (`quay.io/x/y:1`). Undefined for what is not a literal
 * reference (`$REGISTRY/app`, `<image_id>`, ...).
 */
export function normaliseImage(ref: string): string | undefined {
  const m = REFERENCE.exec(ref);
  if (!m) return undefined;
  let [, host, repo, tag, digest] = m;
  // A first component without a dot, a port or "localhost" is part of the path, not a registry.
  if (host && !/[.:]/.test(host) && host !== 'localhost') {
    repo = `${host}/${repo}`;
    host = undefined;
  }
  if (/[A-Z]/.test(repo!)) return undefined;
  const onHub = !host || DOCKER_HUB.has(host.toLowerCase());
  const name = onHub ? (repo!.includes('/') ? repo! : `library/${repo}`) : `${host}/${repo}`;
  return digest ? `${name}@${digest}` : `${name}:${tag ?? 'latest'}`;
}

/**
 * The images a page needs from a registry, normalised (see normaliseImage), sorted and distinct:
 * those of `docker run` and `docker pull` in its shell blocks and of `FROM` in its Dockerfile file
 * blocks. Skipped: names that are not literal (`$VAR`, `<placeholder>`) and names the page builds
 * or tags itself (`docker build -t NAME`, `docker tag ... NAME`). Blocks marked `norun` never run.
 */
export function imagesInMdx(text: string): string[] {
  const used: string[] = [];
  const made: string[] = [];
  for (const block of fencedBlocks(text)) {
    if (/(^|\s)norun(\s|=|$)/.test(block.meta)) continue;
    if (RUNNABLE_LANGUAGES.has(block.lang)) scanShell(shellCommand(block.body), used, made);
    else if (block.lang === 'dockerfile' && /(^|\s)file=/.test(block.meta)) used.push(...dockerfileBases(block.body));
  }
  const local = new Set(made.map(normaliseImage));
  const images = used.map(normaliseImage).filter((i): i is string => i !== undefined && !local.has(i));
  return [...new Set(images)].sort();
}

/** Every page source under a folder, like the site's content collection (`**` / `*.{md,mdx}`). */
function pageFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.mdx?$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/** The registry's own platform names for this machine's, which the sandbox engines share. */
function hostArchitecture(): string {
  return (
    ({ x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[process.arch] ??
    process.arch
  );
}

interface Descriptor {
  digest: string;
  platform?: { os?: string; architecture?: string };
}
interface Manifest {
  mediaType?: string;
  manifests?: Descriptor[];
  config?: Descriptor;
  layers?: Descriptor[];
}

/** The reason a registry gives in its error body, else the HTTP status. */
async function failure(res: Response): Promise<string> {
  const body = await res.text().catch(() => '');
  try {
    const message = (JSON.parse(body) as { errors?: Array<{ message?: string }> }).errors?.[0]?.message;
    if (message) return `HTTP ${res.status}: ${message}`;
  } catch {
    // not JSON: the status says enough
  }
  return `HTTP ${res.status}`;
}

async function getManifest(base: string, repo: string, reference: string, accept: string[]): Promise<Manifest> {
  const res = await fetch(`${base}/v2/${repo}/manifests/${reference}`, {
    headers: { Accept: accept.join(', ') },
    signal: AbortSignal.timeout(60_000),
  });
  if (!res.ok) throw new Error(await failure(res));
  return (await res.json()) as Manifest;
}

/** Reads a blob to the end: a proxy keeps a blob only once it has streamed all of it. */
async function pullBlob(base: string, repo: string, digest: string): Promise<number> {
  const res = await fetch(`${base}/v2/${repo}/blobs/${digest}`, { signal: AbortSignal.timeout(15 * 60_000) });
  if (!res.ok || !res.body) throw new Error(`blob ${digest.slice(0, 19)}: ${await failure(res)}`);
  let bytes = 0;
  for await (const chunk of res.body) bytes += (chunk as Uint8Array).byteLength;
  return bytes;
}

/**
 * Has the cache fetch one image: its manifest (the index, then this machine's platform from it)
 * and every blob the manifest names. Returns the bytes read.
 */
async function warmImage(base: string, image: string): Promise<{ blobs: number; bytes: number }> {
  const at = image.includes('@') ? image.indexOf('@') : image.lastIndexOf(':');
  const repo = image.slice(0, at);
  const reference = image.slice(at + 1);
  let manifest = await getManifest(base, repo, reference, [...INDEX_TYPES, ...MANIFEST_TYPES]);
  if (manifest.manifests) {
    const arch = hostArchitecture();
    const mine = manifest.manifests.find((d) => d.platform?.os === 'linux' && d.platform.architecture === arch);
    if (!mine) throw new Error(`no linux/${arch} image in its index`);
    manifest = await getManifest(base, repo, mine.digest, MANIFEST_TYPES);
  }
  const digests = [manifest.config, ...(manifest.layers ?? [])].filter((d): d is Descriptor => d !== undefined).map((d) => d.digest);
  let bytes = 0;
  for (const digest of digests) bytes += await pullBlob(base, repo, digest);
  return { blobs: digests.length, bytes };
}

/** The cache's base URL from the first argument, without a trailing slash. */
function cacheUrl(arg: string | undefined): string {
  const url = new URL(arg ?? DEFAULT_CACHE);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`Not an http(s) URL: ${arg}`);
  return url.href.replace(/\/+$/, '');
}

async function main(): Promise<void> {
  const base = cacheUrl(process.argv[2]);
  const docs = path.join(import.meta.dirname, '..', 'docs');
  const all = [...new Set(pageFiles(docs).flatMap((f) => imagesInMdx(fs.readFileSync(f, 'utf8'))))].sort();
  // The cache mirrors Docker Hub only: images named with another registry's host are not its business.
  const hub = all.filter((i) => !/^[^/]*[.:]/.test(i) && !i.startsWith('localhost/'));
  for (const other of all.filter((i) => !hub.includes(i))) console.log(`skipped  ${other} (not on Docker Hub)`);
  let cached = 0;
  for (const image of hub) {
    try {
      const { blobs, bytes } = await warmImage(base, image);
      cached++;
      console.log(`cached   ${image} (${blobs} blobs, ${(bytes / 1e6).toFixed(1)} MB)`);
    } catch (err) {
      const cause = (err as Error & { cause?: Error }).cause;
      console.log(`failed   ${image}: ${(err as Error).message}${cause ? ` (${cause.message})` : ''}`);
    }
  }
  const failed = hub.length - cached;
  console.log(`${hub.length} images: ${cached} cached, ${failed} failed`);
  if (failed > 0) {
    console.error(`The cache at ${base} must be reachable from here and able to reach Docker Hub (registry-1.docker.io).`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  main().catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
}
