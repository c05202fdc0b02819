import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Workshop } from '../../server/workshop/workshop.ts';
import { WorkshopDb } from '../../server/workshop/workshop-db.ts';

const open: Array<{ w: Workshop; db: WorkshopDb; dir: string }> = [];
afterEach(() => {
  for (const { w, db, dir } of open.splice(0)) {
    w.close();
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function workshop(): { w: Workshop; db: WorkshopDb } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'workshop-time-'));
  const db = new WorkshopDb(path.join(dir, 'workshop.sqlite'));
  const w = new Workshop({ db, siteDir: dir, proxyInstructors: [], hosted: true, baseWarmPool: 0, poolCap: 0, runEnv: [], log: () => undefined });
  open.push({ w, db, dir });
  return { w, db };
}

describe('time limits across classes', () => {
  it('an end time that just passed refuses a new session; one from an earlier class (over 12 h ago) starts a new limit', () => {
    const { w, db } = workshop();
    db.saveSettings({ classSize: 0, timeLimitMinutes: 90 });
    db.touchUser('ada', 'attendee');
    db.setEndsAt('ada', Date.now() - 60_000);
    expect(w.timeIsUp('ada'), 'a minute ago: time is up').toBe(true);
    db.setEndsAt('ada', Date.now() - 13 * 3600_000);
    expect(w.timeIsUp('ada'), "yesterday's class").toBe(false);
    w.sessionStarted('ada');
    const endsAt = db.user('ada')!.endsAt!;
    expect(endsAt - Date.now()).toBeGreaterThan(89 * 60_000);
    expect(endsAt - Date.now()).toBeLessThanOrEqual(90 * 60_000);
  });

  it('extending after the end time counts from now, and clears the "more time" request', () => {
    const { w, db } = workshop();
    db.touchUser('bo', 'attendee');
    db.setMoreTime('bo', true);
    db.setEndsAt('bo', Date.now() - 60_000);
    const endsAt = w.extend('bo', 10);
    expect(endsAt).toBeGreaterThan(Date.now() + 9 * 60_000);
    expect(db.user('bo')).toMatchObject({ endsAt, moreTime: false });
    expect(w.timeIsUp('bo')).toBe(false);
  });
});
