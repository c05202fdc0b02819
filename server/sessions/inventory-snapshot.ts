import { z } from 'zod';
import type { Inventory, InventoryContainer } from '../protocol.ts';

/**
 * The sandbox engine's socket, found as the docker CLI finds it: helpers get the sandbox user's
 * DOCKER_HOST (sandbox-template.ts), a host-mode sandbox has the engine at the default path.
 */
// biome-ignore lint/suspicious/noTemplateCurlyInString: bash parameter expansions, not a template
const SOCKET = 's=${DOCKER_HOST:-unix:///var/run/docker.sock}; s=${s#unix://}';

/** Between the snapshot's bodies: a raw control character cannot appear inside valid JSON. */
const SEPARATOR = '\x1e';

const URLS = ['/containers/json?all=1', '/images/json', '/networks', '/volumes'];

/**
 * One helper that prints what the sandbox's engine holds: the Engine API asked by one curl for four
 * URLs, each body followed by SEPARATOR (four docker CLI runs cost eight times the CPU; ARCHITECTURE.md).
 * `--fail-early`: without it curl's exit code is the last URL's only, and a failed one leaves an
 * empty body (which the parser refuses too). A helper (sandbox-helper.ts): absolute paths, since
 * the reader may have put their own first on PATH.
 */
export const SNAPSHOT_COMMAND = [
  '/bin/bash',
  '-c',
  `${SOCKET}; exec /usr/bin/curl -sSf --fail-early --max-time 10 --unix-socket "$s" -w $'\\n\\036\\n' ${URLS.map((u) => `'http://d${u}'`).join(' ')}`,
];

/** The engine's event stream, as JSON lines: only that something arrived matters. */
export const EVENTS_COMMAND = ['/bin/bash', '-c', `${SOCKET}; exec /usr/bin/curl -sSN --unix-socket "$s" http://d/events`];

// The engine is the reader's own (they can put anything behind its socket): every field is checked,
// strings are cut, lists are capped. Real engines' answers stay far inside these bounds.
const MAX_TEXT = 256;
const MAX_ITEMS = 500;

const text = z.string().transform((s) => s.replace(/\p{Cc}/gu, '').slice(0, MAX_TEXT));
const port = z.number().int().min(1).max(65535);

/** A list of at most `max` items (the rest dropped before they are checked); null reads as empty. */
const list = <T extends z.ZodType>(item: T, max = MAX_ITEMS) =>
  z
    .array(z.unknown())
    .nullish()
    .transform((a) => (a ?? []).slice(0, max))
    .pipe(z.array(item));

const containerSchema = z.object({
  Id: text,
  Names: list(text, 50),
  Image: text,
  State: text,
  Status: text,
  Ports: list(z.object({ PrivatePort: port, PublicPort: port.optional(), Type: text }), 200),
});
const imageSchema = z.object({
  Id: text,
  RepoTags: list(text, 100),
  RepoDigests: list(text, 100),
  Size: z.number().int().min(0),
});
const networkSchema = z.object({ Id: text, Name: text, Driver: text });
const bodies = {
  containers: list(containerSchema),
  images: list(imageSchema),
  networks: list(networkSchema),
  volumes: z.object({ Volumes: list(z.object({ Name: text, Driver: text })) }),
};

/** Turns the snapshot's output (four API bodies, each followed by SEPARATOR) into the panel's inventory; throws on anything else. */
export function parseSnapshot(output: string): Inventory {
  const parts = output.split(SEPARATOR);
  if (parts.length !== URLS.length + 1 || parts.at(-1)?.trim() !== '') {
    throw new Error(`The engine snapshot has ${parts.length - 1} separated bodies, not ${URLS.length}.`);
  }
  const [containers, images, networks, volumes] = parts.slice(0, URLS.length).map((p) => JSON.parse(p) as unknown);
  return {
    containers: bodies.containers.parse(containers).map(toContainer),
    images: bodies.images
      .parse(images)
      .flatMap((i) => imageRows(i.RepoTags, i.RepoDigests).map(([repository, tag]) => ({ id: i.Id, repository, tag, size: humanSize(i.Size) })))
      .slice(0, MAX_ITEMS),
    // By name, as the CLI lists them: the engine's own order is a map's, and would reshuffle the panel.
    networks: bodies.networks
      .parse(networks)
      .map((n) => ({ id: n.Id, name: n.Name, driver: n.Driver }))
      .sort(byName),
    volumes: bodies.volumes
      .parse(volumes)
      .Volumes.map((v) => ({ name: v.Name, driver: v.Driver }))
      .sort(byName),
  };
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function toContainer(c: z.output<typeof containerSchema>): InventoryContainer {
  // Published TCP ports once each: the engine lists a port once per address family.
  const published = new Map<number, number>();
  for (const p of c.Ports) {
    if (p.Type === 'tcp' && p.PublicPort !== undefined && !published.has(p.PublicPort)) published.set(p.PublicPort, p.PrivatePort);
  }
  return {
    id: c.Id,
    name: c.Names.map((n) => n.replace(/^\//, ''))
      .join(',')
      .slice(0, MAX_TEXT),
    image: c.Image,
    state: c.State,
    status: c.Status,
    ports: [...published].sort(([a], [b]) => a - b).map(([hostPort, containerPort]) => ({ hostPort, containerPort })),
  };
}

/** An image's rows as `docker images` lists them: one per repo tag; untagged, its digests' repositories, else `<none>`. */
function imageRows(tags: string[], digests: string[]): Array<[string, string]> {
  if (tags.length) return tags.map((t) => splitAt(t, t.lastIndexOf(':') > t.lastIndexOf('/') ? t.lastIndexOf(':') : -1));
  const repositories = [...new Set(digests.map((d) => splitAt(d, d.indexOf('@'))[0]))];
  return repositories.length ? repositories.map((r) => [r, '<none>']) : [['<none>', '<none>']];
}

function splitAt(s: string, at: number): [string, string] {
  return at < 0 ? [s, '<none>'] : [s.slice(0, at), s.slice(at + 1)];
}

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];

/** A size as the docker CLI shows it: decimal units, three significant digits (119MB, 1.23GB, 512kB). */
export function humanSize(bytes: number): string {
  let size = bytes;
  let unit = 0;
  while (size >= 1000 && unit < UNITS.length - 1) {
    size /= 1000;
    unit++;
  }
  // 999.9kB rounds to 1000kB: say 1MB, where the CLI would print 1e+03kB.
  if (Number(size.toPrecision(3)) >= 1000 && unit < UNITS.length - 1) {
    size /= 1000;
    unit++;
  }
  return `${Number(size.toPrecision(3))}${UNITS[unit]}`;
}
