import { createApp } from './app.ts';
import { loadConfig } from './config.ts';
import { Engine } from './docker/engine.ts';
import { healthReport } from './health/health-report.ts';
import { ensureSiteBuilt } from './site-build.ts';

const log = (line: string) => console.log(line);

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  await ensureSiteBuilt(config.siteDir, log);
  const engine = new Engine(config.docker);
  const { listen } = createApp(config, { engine });
  const running = await listen();

  const health = await healthReport(engine, config.sandboxImage, 0);
  if (health.engine.reachable) log(`Docker engine ${health.engine.version} at ${health.engine.host}`);
  else log(`Warning: ${health.engine.error}`);
  log(`Runnable Docker notes: ${running.url}/`);

  const stop = async () => {
    await running.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
