// `node scripts/cluster.ts`: a three-node Swarm of Docker engines in containers on this host (the
// test cluster), for trying the server against it by hand. Prints the settings to start the server
// with, holds the cluster until Ctrl-C, then removes it, leaving nothing behind.
import { startTestCluster } from '../test/support/test-cluster.ts';

const cluster = await startTestCluster();
let closing = false;
const stop = async () => {
  if (closing) return;
  closing = true;
  console.log('\nRemoving the cluster ...');
  await cluster.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
console.log(`\nCluster ready. Start the server against it with:\n`);
console.log(
  `  ${Object.entries(cluster.env)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')} npm start\n`,
);
console.log('Ctrl-C removes the cluster.');
setInterval(() => undefined, 1 << 30);
