import type { Config } from '../config.ts';
import type { WarmPool } from '../sandbox/warm-pool.ts';
import { Workshop } from './workshop.ts';
import { WorkshopDb } from './workshop-db.ts';

/** Opens the workshop's database (migrating it, and deleting rows past the retention) and the workshop. */
export function openWorkshop(config: Config, pool: WarmPool, runEnv: string[], log: (line: string) => void): Workshop {
  const db = new WorkshopDb(config.workshopDb);
  const deleted = db.deleteOlderThan(config.workshopRetentionDays);
  if (deleted > 0) log(`Workshop: deleted ${deleted} record(s) older than ${config.workshopRetentionDays} days (WORKSHOP_RETENTION_DAYS).`);
  return new Workshop({
    db,
    siteDir: config.siteDir,
    proxyInstructors: config.trustedProxyInstructors,
    hosted: config.passwordHash !== undefined || config.trustedProxyHeader !== undefined,
    pool,
    baseWarmPool: config.warmPool,
    poolCap: Math.min(config.warmPoolMax, config.maxSessions),
    runEnv,
    log,
  });
}
