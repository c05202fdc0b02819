import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkshopDb } from '../../server/workshop/workshop-db.ts';
import { WORKSHOP_MIGRATIONS } from '../../server/workshop/workshop-migrations.ts';

// A real SQLite file in a temporary folder: the store is tested as it runs, not through a fake.
const dirs: string[] = [];
const tempFile = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'workshop-db-'));
  dirs.push(dir);
  return path.join(dir, 'state', 'workshop.sqlite');
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('the workshop store', () => {
  it('keeps the last result per block and check, by page, and reopening the file finds it all', () => {
    const file = tempFile();
    const db = new WorkshopDb(file);
    db.touchUser('ada', 'attendee', 1000);
    db.recordBlock('ada', { page: 'images', block: '/images#0', status: 'failed', command: 'docker build .', at: 1100 });
    db.recordBlock('ada', { page: 'images', block: '/images#0', status: 'exited', exitCode: 0, command: 'docker build .', at: 1200 });
    db.recordBlock('ada', { page: 'index', block: '/#1', status: 'stopped', exitCode: 130, command: 'sleep 9', at: 1300 });
    db.recordCheck('ada', { page: 'images', check: 'image-built', passed: true, at: 1400 });
    db.setHelp('ada', true);
    db.setEndsAt('ada', 99_000);
    db.addMessage({ id: 'm1', text: 'Break at 11', at: 1500 });
    db.saveSettings({ classSize: 30, timeLimitMinutes: 90 });
    db.close();

    const again = new WorkshopDb(file);
    expect(again.progress('ada')).toEqual({
      pages: {
        images: { blocks: { '/images#0': { status: 'exited', exitCode: 0, at: 1200 } }, checks: { 'image-built': { passed: true, at: 1400 } } },
        index: { blocks: { '/#1': { status: 'stopped', exitCode: 130, at: 1300 } }, checks: {} },
      },
    });
    expect(again.user('ada')).toMatchObject({ role: 'attendee', help: true, endsAt: 99_000 });
    expect(again.latestMessage()).toEqual({ id: 'm1', text: 'Break at 11', at: 1500 });
    expect(again.settings()).toEqual({ classSize: 30, timeLimitMinutes: 90 });
    expect(again.progress('someone-else'), 'another user sees nothing of ada').toEqual({ pages: {} });
    again.close();
  });

  it('uses WAL, and the file is readable by its owner only', () => {
    const file = tempFile();
    const db = new WorkshopDb(file);
    db.touchUser('ada', 'attendee');
    for (const f of [file, `${file}-wal`])
      expect({ f: path.basename(f), other: fs.statSync(f).mode & 0o077 }).toEqual({ f: path.basename(f), other: 0 });
    db.close();
    const raw = new DatabaseSync(file);
    expect((raw.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode).toBe('wal');
    raw.close();
    expect(fs.statSync(file).mode & 0o077, 'group and others have no access').toBe(0);
  });

  it('brings a file written by an older schema up to date, keeping its rows', () => {
    const file = tempFile();
    const old = new WorkshopDb(file, 1);
    expect(old.version).toBe(1);
    old.close();
    // The rows as the server of that schema wrote them.
    const raw = new DatabaseSync(file);
    raw.exec(`INSERT INTO users (user, role, created_at, last_active) VALUES ('grace', 'attendee', 1000, 1000);
      INSERT INTO block_results (user, page, block, status, exit_code, command, at) VALUES ('grace', 'images', '/images#2', 'exited', 1, 'false', 2000);`);
    raw.close();

    const db = new WorkshopDb(file);
    expect(db.version).toBe(WORKSHOP_MIGRATIONS.length);
    expect(db.progress('grace').pages.images?.blocks['/images#2']).toEqual({ status: 'exited', exitCode: 1, at: 2000 });
    expect(db.user('grace'), 'the new columns have their defaults').toMatchObject({ help: false, moreTime: false, endsAt: null });
    db.recordCheck('grace', { page: 'images', check: 'check-0', passed: false, at: 3000 });
    expect(db.progress('grace').pages.images?.checks).toEqual({ 'check-0': { passed: false, at: 3000 } });
    db.close();
  });

  it('knows a name in any letter case or Unicode form as the person who first typed it, with their role', () => {
    const db = new WorkshopDb(tempFile());
    expect(db.claimUser('Teacher', 'instructor', 1000)).toEqual({ user: 'Teacher', role: 'instructor' });
    for (const typed of ['teacher', 'TEACHER', 'ｔｅａｃｈｅｒ', 'Tea\u200Dcher'])
      expect({ typed, ...db.claimUser(typed, 'attendee', 2000) }).toEqual({ typed, user: 'Teacher', role: 'instructor' });
    expect(db.claimUser('José', 'attendee', 3000)).toEqual({ user: 'José', role: 'attendee' });
    expect(db.claimUser('JOSE\u0301', 'attendee', 4000), 'the accent typed apart').toEqual({ user: 'José', role: 'attendee' });
    expect(db.claimUser('Jose', 'attendee', 5000), 'another name').toEqual({ user: 'Jose', role: 'attendee' });
    expect(
      db
        .users()
        .map((u) => u.user)
        .sort(),
    ).toEqual(['Jose', 'José', 'Teacher']);
    db.close();
  });

  it('gives the names of a file from before the key their key, and a login there takes its exact name first, else the first one', () => {
    const file = tempFile();
    new WorkshopDb(file, 2).close();
    // Written before names were known in any case: one person under two spellings, and two people.
    const raw = new DatabaseSync(file);
    raw.exec(`INSERT INTO users (user, role, created_at, last_active) VALUES ('Teacher', 'instructor', 1000, 1000);
      INSERT INTO users (user, role, created_at, last_active) VALUES ('teacher', 'attendee', 2000, 2000);
      INSERT INTO users (user, role, created_at, last_active) VALUES ('Ada', 'attendee', 3000, 3000);`);
    raw.close();

    const db = new WorkshopDb(file);
    expect(db.claimUser('TEACHER', 'attendee'), 'the first of the name').toEqual({ user: 'Teacher', role: 'instructor' });
    expect(db.claimUser('teacher', 'attendee'), 'its own row still signs in').toEqual({ user: 'teacher', role: 'attendee' });
    expect(db.claimUser('ada', 'attendee')).toEqual({ user: 'Ada', role: 'attendee' });
    expect(
      db
        .users()
        .map((u) => u.user)
        .sort(),
      'no row was added',
    ).toEqual(['Ada', 'Teacher', 'teacher']);
    db.close();
  });

  it('the last failure counts as stuck only while it is newer than the last success', () => {
    const db = new WorkshopDb(tempFile());
    db.touchUser('lin', 'attendee');
    db.recordBlock('lin', { page: 'images', block: '/images#1', status: 'exited', exitCode: 0, command: 'true', at: 100 });
    expect(db.lastFailure('lin')).toBeUndefined();
    db.recordBlock('lin', { page: 'images', block: '/images#5', status: 'stopped', exitCode: 130, command: 'sleep 99', at: 150 });
    expect(db.lastFailure('lin'), 'a run the attendee stopped is no failure').toBeUndefined();
    db.recordCheck('lin', { page: 'images', check: 'port', passed: false, at: 200 });
    expect(db.lastFailure('lin')).toEqual({ failure: { command: 'check port', exitCode: 1, at: 200, page: 'images', block: 'port' }, stuck: true });
    db.recordBlock('lin', { page: 'images', block: '/images#2', status: 'exited', exitCode: 0, command: 'true', at: 300 });
    expect(db.lastFailure('lin')?.stuck).toBe(false);
    db.close();
  });

  it('deletes rows older than the retention at start-up, and keeps newer ones', () => {
    const day = 24 * 3600_000;
    const now = 100 * day;
    const db = new WorkshopDb(tempFile());
    db.touchUser('old', 'attendee', now - 40 * day);
    db.recordBlock('old', { page: 'index', block: '/#0', status: 'exited', exitCode: 0, command: 'true', at: now - 40 * day });
    db.addMessage({ id: 'old', text: 'old', at: now - 40 * day });
    db.touchUser('new', 'attendee', now - day);
    db.recordBlock('new', { page: 'index', block: '/#0', status: 'exited', exitCode: 0, command: 'true', at: now - day });
    expect(db.deleteOlderThan(30, now)).toBe(3);
    expect(db.users().map((u) => u.user)).toEqual(['new']);
    expect(db.progress('old')).toEqual({ pages: {} });
    expect(db.latestMessage()).toBeNull();
    db.close();
  });
});
