// Makes a fresh clone ready before `npm start` or `npm test`: installs npm dependencies when they
// are missing, and (as root on a Debian-like host) starts a Docker engine and builds the offline
// images when they are missing. With --for-tests it also brings Debian's Chromium.
// Plain JavaScript that imports nothing from node_modules: it runs before they exist.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const forTests = process.argv.includes('--for-tests');
const isRoot = process.getuid?.() === 0;
const sh = (cmd, args, opts = {}) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts }).status === 0;
const quiet = (cmd, args) => spawnSync(cmd, args, { cwd: root, stdio: 'ignore' }).status === 0;
const has = (cmd) => quiet('sh', ['-c', `command -v ${cmd}`]);

if (!fs.existsSync(path.join(root, 'node_modules', '.package-lock.json'))) {
  console.log('Installing npm dependencies (npm ci) ...');
  if (!sh('npm', ['ci', '--no-fund', '--no-audit'])) process.exit(1);
}

const engineUp = () => quiet('docker', ['version', '--format', '{{.Server.Version}}']);
if (!engineUp()) {
  if (isRoot && has('apt-get')) sh('bash', ['scripts/start-engine.sh']);
  if (!engineUp()) {
    console.warn('No Docker engine answers. Start Docker (as root on Debian: `bash scripts/start-engine.sh`), or set DOCKER_HOST.');
  }
}

const image = process.env.SANDBOX_IMAGE ?? 'runnable-docker-notes/sandbox:latest';
const imagesReady = () =>
  quiet('docker', ['image', 'inspect', image]) && (!forTests || quiet('docker', ['container', 'inspect', 'runnable-docker-notes-auth-registry']));
if (engineUp() && (forTests || !imagesReady())) {
  if (isRoot && has('debootstrap')) sh('bash', ['scripts/build-images.sh']);
  else if (!imagesReady()) {
    console.warn(`The sandbox image ${image} is missing. Build it (as root, needs debootstrap): sudo bash scripts/build-images.sh`);
  }
}

if (forTests && !fs.existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium') && isRoot && has('apt-get')) {
  console.log("Installing Debian's chromium for the browser tests ...");
  sh('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null']);
}
// The handout test reads the printed PDF page by page with poppler's pdftotext.
if (forTests && !has('pdftotext') && isRoot && has('apt-get')) {
  console.log("Installing Debian's poppler-utils (pdftotext) for the handout test ...");
  sh('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null']);
}
