import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { HttpError } from './http-error.ts';
import type { Workshop } from '../workshop/workshop.ts';
import type { Principal } from '../security/request-guard.ts';

/** What an unknown API path answers: instructor calls look exactly like that to everyone else. */
export const NO_SUCH_ENDPOINT = { error: 'No such API endpoint. The README lists the API.' };

const MAX_MESSAGE = 500;

function attendee(workshop: Workshop, req: Request): string {
  const user = String(req.params.user);
  if (workshop.db.user(user)?.role !== 'attendee') throw new HttpError(404, `No attendee is named "${user.slice(0, 60)}".`);
  return user;
}

/** A number of minutes (fractions allowed: 0.5 is half a minute) within bounds. */
function minutesField(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new HttpError(400, `"${name}" must be a number of minutes from ${min} to ${max}.`);
  }
  return value;
}

function wholeNumber(value: unknown, name: string, min: number, max: number): number {
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    throw new HttpError(400, `"${name}" must be a whole number from ${min} to ${max}.`);
  }
  return value as number;
}

/** /api/instructor/*: the room, its live feed and the actions. Anyone but an instructor gets 404. */
export function instructorRoutes(workshop: Workshop, json: RequestHandler): express.Router {
  const r = express.Router();
  r.use((_req: Request, res: Response, next: NextFunction) => {
    const caller = res.locals.workshopCaller as { role: string } | undefined;
    if (caller?.role !== 'instructor') return void res.status(404).json(NO_SUCH_ENDPOINT);
    next();
  });

  r.get('/room', (_req, res) => {
    res.json(workshop.room());
  });

  r.get('/events', (req, res) => {
    workshop.openRoomFeed((res.locals.workshopCaller as { principal: Principal }).principal, req, res);
  });

  r.post('/attendees/:user/restart', async (req, res) => {
    await workshop.restart(attendee(workshop, req));
    res.status(204).end();
  });

  r.post('/attendees/:user/extend', json, (req, res) => {
    const user = attendee(workshop, req);
    const minutes = minutesField((req.body as { minutes?: unknown } | null)?.minutes, 'minutes', 0.05, 600);
    res.json({ endsAt: workshop.extend(user, minutes) });
  });

  r.post('/attendees/:user/end', async (req, res) => {
    await workshop.end(attendee(workshop, req));
    res.status(204).end();
  });

  r.post('/message', json, (req, res) => {
    const text = (req.body as { text?: unknown } | null)?.text;
    if (typeof text !== 'string' || text.trim() === '') throw new HttpError(400, '"text" must be the message to show, as a non-empty string.');
    if (text.length > MAX_MESSAGE) throw new HttpError(400, `A message may be at most ${MAX_MESSAGE} characters (this one has ${text.length}).`);
    const m = workshop.message(text.trim());
    res.json({ id: m.id, at: m.at });
  });

  r.post('/settings', json, (req, res) => {
    const b = (req.body ?? {}) as { classSize?: unknown; timeLimitMinutes?: unknown };
    if (typeof b !== 'object' || Array.isArray(b)) throw new HttpError(400, 'Send a JSON object: {"classSize": 30, "timeLimitMinutes": 90}.');
    const current = workshop.db.settings();
    const classSize = b.classSize === undefined ? current.classSize : wholeNumber(b.classSize, 'classSize', 0, 500);
    const timeLimitMinutes =
      b.timeLimitMinutes === undefined
        ? current.timeLimitMinutes
        : b.timeLimitMinutes === null
          ? null
          : minutesField(b.timeLimitMinutes, 'timeLimitMinutes', 0.05, 1440);
    res.json(workshop.saveSettings({ classSize, timeLimitMinutes }));
  });

  r.use((_req, res) => {
    res.status(404).json(NO_SUCH_ENDPOINT);
  });
  return r;
}
