// Plain JavaScript on purpose: it must run on any Node and explain, without a stack trace,
// why an older one cannot start the project (the rest is TypeScript run by Node >= 22.12).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(
    `runnable-docker-notes needs Node >= 22.12, and this is Node ${process.versions.node}.\n` +
      'Install Node 24, or run `export PATH="$(bash scripts/ensure-node.sh):$PATH"` to fetch it into .cache/node.',
  );
  process.exit(1);
}
