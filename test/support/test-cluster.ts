import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { NODE_LABELS } from '../../server/cluster/node-labels.ts';
import { NODE_MIRROR_IMAGE } from '../../server/cluster/node-mirrors.ts';
import { loadConfig } from '../../server/config.ts';
import { parseDockerHost } from '../../server/docker/docker-host.ts';
import { Engine } from '../../server/docker/engine.ts';
import type { LabelledObjects } from '../../server/docker/engine-types.ts';
import { LABELS, projectLabels } from '../../server/docker/labels.ts';
import { retryUntil } from '../../server/retry-until.ts';
import { rootfulRights } from '../../server/sandbox/sandbox-template.ts';

/** Everything the harness makes carries this, so a crashed run's leftovers are swept at the next start. */
const CLUSTER_LABEL = { [LABELS.test]: 'test-cluster' };
const PREFIX = 'rdn-cluster';
const TMP_PREFIX = 'rdn-test-cluster-';

export interface TestClusterNode {
  /** Its hostname, which is also its Swarm node name. */
  name: string;
  container: string;
  /** Its address on the cluster's bridge network. */
  address: string;
  /** Its Engine API as the server reaches it (TLS on a loopback port). */
  engineUrl: string;
  swarmId: string;
  engine: Engine;
}

export interface TestCluster {
  nodes: TestClusterNode[];
  manager: TestClusterNode;
  /** ca.pem, cert.pem, key.pem: the client side of the nodes' TLS. */
  tlsDir: string;
  /** The server's settings for this cluster (with CLUSTER_MIRROR_UPSTREAM: the host's read-only mirror, on the cluster's network). */
  env: Record<string, string>;
  node(name: string): TestClusterNode;
  /** `docker node update --availability`. */
  setAvailability(name: string, availability: 'active' | 'drain'): Promise<void>;
  /** Stops a node's container: its engine and everything on it go away. */
  stopNode(name: string): Promise<void>;
  /** Removes every container, volume and network of the cluster, and its keys. */
  close(): Promise<void>;
  /** What the host engine still holds with the cluster's label. */
  leftovers(): Promise<LabelledObjects>;
}

export interface TestClusterOptions {
  size?: number;
  /** The capacity label of every node. */
  capacity?: number;
  image?: string;
  log?: (line: string) => void;
}

const hostEngine = () => new Engine(loadConfig(process.env).docker);

/**
 * Removes what an earlier cluster left (a crash or Ctrl-C before its teardown): its containers,
 * volumes and network by label, and its key folders by name.
 */
export async function sweepTestCluster(host = hostEngine()): Promise<number> {
  const found = await host.removeLabelled(CLUSTER_LABEL);
  for (const entry of fs.readdirSync(os.tmpdir())) {
    if (entry.startsWith(TMP_PREFIX)) fs.rmSync(path.join(os.tmpdir(), entry), { recursive: true, force: true });
  }
  return found.containers.length + found.volumes.length + found.networks.length;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A throwaway CA, a server certificate per node (SANs: its name, localhost, 127.0.0.1) and one client certificate. */
function makeKeys(dir: string, names: string[]): void {
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=rdn-test-cluster-ca',
    '-keyout',
    'ca-key.pem',
    '-out',
    'ca.pem',
  ]);
  const sign = (key: string, csr: string, cert: string, ext: string) => {
    fs.writeFileSync(path.join(dir, 'ext.cnf'), ext);
    openssl(dir, [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca-key.pem',
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      'ext.cnf',
      '-out',
      cert,
    ]);
    fs.rmSync(path.join(dir, csr));
    void key;
  };
  for (const name of names) {
    const nodeDir = path.join(dir, name);
    fs.mkdirSync(nodeDir);
    openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}/key.pem`, '-out', `${name}.csr`]);
    sign(
      `${name}/key.pem`,
      `${name}.csr`,
      `${name}/cert.pem`,
      `subjectAltName=DNS:${name},DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n`,
    );
    fs.copyFileSync(path.join(dir, 'ca.pem'), path.join(nodeDir, 'ca.pem'));
    // The node's dockerd reads its key as root; the folder is bound read-only into its container only.
    fs.chmodSync(path.join(nodeDir, 'key.pem'), 0o644);
  }
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=rdn-test-cluster-client', '-keyout', 'key.pem', '-out', 'client.csr']);
  sign('key.pem', 'client.csr', 'cert.pem', 'extendedKeyUsage=clientAuth\n');
  fs.rmSync(path.join(dir, 'ext.cnf'));
}

/**
 * Three (or `size`) Docker engine nodes as containers on this host, in one Swarm: each a root
 * dockerd in a container of the sandbox image (Docker-in-Docker, with its own volume for
 * /var/lib/docker), its Engine API on TLS published on a loopback port, labelled with that URL and
 * a capacity, and holding the sandbox image and the registry image (for the node mirrors). The
 * host's read-only mirror (seeded with the stand-ins) joins the cluster's network as the nodes'
 * upstream, until the teardown detaches it. On any failure it removes what it made.
 */
export async function startTestCluster(opts: TestClusterOptions = {}): Promise<TestCluster> {
  const log = opts.log ?? ((line: string) => console.log(`[cluster] ${line}`));
  const size = opts.size ?? 3;
  const config = loadConfig(process.env);
  const image = opts.image ?? config.sandboxImage;
  const host = hostEngine();
  const left = await sweepTestCluster(host);
  if (left > 0) log(`removed ${left} objects an earlier cluster left behind`);
  const tlsDir = fs.mkdtempSync(path.join(os.tmpdir(), TMP_PREFIX));
  const labels = projectLabels(CLUSTER_LABEL);
  const names = Array.from({ length: size }, (_, i) => `rdn-node-${i + 1}`);
  const close = async () => {
    // Removing the network first detaches the host's mirror from it (forced): that container is otherwise left as it was.
    await host.removeLabelled(CLUSTER_LABEL);
    fs.rmSync(tlsDir, { recursive: true, force: true });
  };
  try {
    makeKeys(tlsDir, names);
    const network = `${PREFIX}-net`;
    await host.createNetwork(network, labels);
    if (!(await host.containerRunning(config.mirrorContainer))) {
      throw new Error(`the registry mirror ${config.mirrorContainer} is not running: start it with sudo bash scripts/build-images.sh`);
    }
    await host.connectNetwork(network, config.mirrorContainer, []);
    const upstreamAddress = (await host.containerState(config.mirrorContainer)).networks[network]?.address;
    if (!upstreamAddress) throw new Error(`${config.mirrorContainer} has no address on ${network}`);
    const nodes: TestClusterNode[] = [];
    for (const name of names) {
      const volume = `${PREFIX}-${name}-data`;
      await host.createVolume(volume, labels);
      const rights = rootfulRights('capabilities') ?? {};
      const container = await host.createContainer({
        name: `${PREFIX}-${name}`,
        Hostname: name,
        Image: image,
        Labels: labels,
        Entrypoint: ['/usr/bin/tini', '--', 'dockerd'],
        Cmd: [
          '--host=unix:///var/run/docker.sock',
          '--host=tcp://0.0.0.0:2376',
          '--tlsverify',
          '--tlscacert=/certs/ca.pem',
          '--tlscert=/certs/cert.pem',
          '--tlskey=/certs/key.pem',
        ],
        ExposedPorts: { '2376/tcp': {} },
        HostConfig: {
          ...rights,
          Binds: [...(rights.Binds ?? []), `${path.join(tlsDir, name)}:/certs:ro`],
          // The rootless engines of the sandboxes on the node need a tap device.
          Devices: [{ PathOnHost: '/dev/net/tun', PathInContainer: '/dev/net/tun', CgroupPermissions: 'rwm' }],
          PortBindings: { '2376/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
          NetworkMode: network,
          Mounts: [{ Type: 'volume', Source: volume, Target: '/var/lib/docker' }],
        },
      });
      await host.startContainer(container);
      const address = (await host.containerState(container)).networks[network]?.address;
      const port = await host.publishedPort(container, 2376);
      if (!address || !port) throw new Error(`node ${name} has no address (${address}) or published port (${port})`);
      const engineUrl = `tcp://127.0.0.1:${port}`;
      const engine = new Engine(parseDockerHost({ DOCKER_HOST: engineUrl, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: tlsDir }));
      nodes.push({ name, container, address, engineUrl, swarmId: '', engine });
    }
    for (const n of nodes) {
      const up = await retryUntil(
        async () =>
          await n.engine
            .version()
            .then(() => true)
            .catch(() => undefined),
        { timeoutMs: 60_000, delayMs: 250 },
      );
      if (!up) throw new Error(`the engine of node ${n.name} did not answer on ${n.engineUrl} within 60 s`);
    }
    log(`${size} engines up: ${nodes.map((n) => `${n.name} ${n.engineUrl}`).join(', ')}`);
    const manager = nodes[0]!;
    const tokens = await manager.engine.swarmInit(manager.address);
    for (const n of nodes.slice(1)) await n.engine.swarmJoin(`${manager.address}:2377`, tokens.worker, n.address);
    for (const n of nodes) {
      n.swarmId = await n.engine.swarmNodeId();
      await manager.engine.updateNode(n.swarmId, {
        labels: { [NODE_LABELS.engine]: n.engineUrl, [NODE_LABELS.capacity]: String(opts.capacity ?? 4) },
      });
    }
    log(
      `swarm: ${manager.name} manages, ${nodes
        .slice(1)
        .map((n) => n.name)
        .join(', ')} joined`,
    );
    await loadImageEverywhere(host, image, nodes, log);
    await loadImageEverywhere(host, NODE_MIRROR_IMAGE, nodes, log);
    const node = (name: string) => {
      const n = nodes.find((x) => x.name === name);
      if (!n) throw new Error(`no node ${name} in the test cluster`);
      return n;
    };
    return {
      nodes,
      manager,
      tlsDir,
      env: { CLUSTER_MANAGER: manager.engineUrl, CLUSTER_TLS_DIR: tlsDir, CLUSTER_MIRROR_UPSTREAM: `http://${upstreamAddress}:5000` },
      node,
      setAvailability: (name, availability) => manager.engine.updateNode(node(name).swarmId, { availability }),
      stopNode: (name) => host.stopContainer(node(name).container, 5),
      close,
      leftovers: () => host.listLabelled(CLUSTER_LABEL),
    };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}

/** `docker save` once from the host engine, streamed into every node's `docker load` at the same time. */
async function loadImageEverywhere(host: Engine, image: string, nodes: TestClusterNode[], log: (line: string) => void): Promise<void> {
  const source = await host.saveImage(image);
  let bytes = 0;
  source.on('data', (c: Buffer) => {
    const before = Math.floor(bytes / 100_000_000);
    bytes += c.length;
    if (Math.floor(bytes / 100_000_000) > before) log(`loading ${image} into ${nodes.length} nodes: ${Math.round(bytes / 1e6)} MB`);
  });
  const loads = nodes.map((n) => {
    const copy = new PassThrough();
    source.pipe(copy);
    return n.engine.loadImage(copy);
  });
  await Promise.all(loads);
  log(`${image} loaded into every node (${Math.round(bytes / 1e6)} MB)`);
}
