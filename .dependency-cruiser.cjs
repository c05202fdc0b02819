// The server's layers, top to bottom: a folder may import the folders below it, never one above.
// With one order for all, no two folders can import each other, directly or through others.
// Type-only imports count too: the swc parser sees `import type` (see options.parser below).
const LAYERS = [
  ['app', '^server/[^/]+\\.(ts|mjs)$'],
  ['http', '^server/http/'],
  ['ws', '^server/ws/'],
  ['workshop', '^server/workshop/'],
  ['sessions', '^server/sessions/'],
  ['runs', '^server/runs/'],
  ['sandbox', '^server/sandbox/'],
  // Several hosts: the Swarm's nodes, placement, one Engine per node (sandbox/ builds on it).
  ['cluster', '^server/cluster/'],
  ['health', '^server/health/'],
  ['registry', '^server/registry/'],
  ['docker', '^server/docker/'],
  ['security', '^server/security/'],
];

/** Files everyone may import (types and constants shared by all layers); they import no layer. */
const SHARED = '^server/(config|protocol|domain-errors|logger|retry-until|open-counts)\\.ts$';

const layerRules = LAYERS.map(([name, path], i) => ({
  name: `layer-${name}`,
  comment: `server/${name === 'app' ? '*.ts' : `${name}/`} imports only the layers below it (${LAYERS.slice(i + 1).map(([n]) => n).join(', ') || 'none'}) and the shared files.`,
  severity: 'error',
  from: { path, pathNot: SHARED },
  to: { path: LAYERS.slice(0, i).map(([, p]) => p).concat('^$').join('|'), pathNot: SHARED },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'shared-files-import-no-layer',
      comment:
        'config.ts, protocol.ts, domain-errors.ts, logger.ts, retry-until.ts and open-counts.ts are imported from every layer, so they import no layer; config.ts only uses two leaf files that import nothing: the DOCKER_HOST parser and the loopback test.',
      severity: 'error',
      from: { path: SHARED },
      to: { path: '^server/', pathNot: [SHARED, '^server/docker/docker-host\\.ts$', '^server/security/host-check\\.ts$'] },
    },
    {
      name: 'only-docker-imports-dockerode',
      comment:
        'server/docker/ is the one Docker boundary, for the bench, scripts and tests too: every engine call goes through its timeouts and error mapping.',
      severity: 'error',
      from: { pathNot: '^server/docker/' },
      to: { path: '(^|/)node_modules/(@types/)?dockerode/' },
    },
    {
      name: 'src-imports-only-shared-server-files',
      comment: 'The browser code shares types with the server through protocol.ts, nothing else.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^server/', pathNot: ['^server/protocol\\.ts$'] },
    },
    {
      name: 'no-circular',
      comment: 'No file-level import cycles anywhere.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    // TypeScript 7 has no JS compiler API for the tsc parser. swc parses the TypeScript source
    // itself, so `import type` and `export type ... from` count like any import (checked with a
    // throwaway type-only cycle). tsPreCompilationDeps would only switch extraction to tsc, and
    // makes dependency-cruiser warn that no TypeScript < 7 is installed.
    parser: 'swc',
    tsPreCompilationDeps: false,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|\\.astro|\\.cache)/' },
    moduleSystems: ['es6'],
    enhancedResolveOptions: { extensions: ['.ts', '.mjs', '.js', '.d.ts'] },
  },
};
