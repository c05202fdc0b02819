import express, { type NextFunction, type Request, type Response } from 'express';
import { errorAnswer, HttpError } from './http-error.ts';
import { principalKey, type Principal, type RequestGuard } from '../security/request-guard.ts';
import type { SessionStore } from '../sessions/session-store.ts';
import { CHECK_TIMEOUT_S, runCheck } from '../workshop/check-runner.ts';
import { LimitReachedError } from '../domain-errors.ts';
import { instructorRoutes } from './instructor-routes.ts';
import type { Workshop } from '../workshop/workshop.ts';
import { pathnameOfPage } from '../workshop/workshop-manifest.ts';

export interface WorkshopRouteDeps {
  guard: RequestGuard;
  store: SessionStore;
  workshop: Workshop;
  log: (line: string) => void;
}

const SLUG = /^[\w.-]+(\/[\w.-]+)*$/;
const KEY = /^[\w.:-]{1,100}$/;

/** The caller, when the guard let them through (see the first middleware). */
export const callerOf = (res: Response) =>
  res.locals.workshopCaller as { principal: Principal; user: string; role: 'attendee' | 'instructor' } | undefined;

/** A handler that needs a signed-in caller; anyone else gets the guard's refusal. */
function signedIn(res: Response) {
  const caller = callerOf(res);
  if (!caller) throw new HttpError(res.locals.workshopRefusal?.status ?? 401, res.locals.workshopRefusal?.message ?? 'Not signed in.');
  return caller;
}

function pageField(body: unknown): string {
  const page = (body as { page?: unknown } | null)?.page;
  if (typeof page !== 'string' || page.length > 200 || !SLUG.test(page)) {
    throw new HttpError(400, '"page" must be a page slug such as "images" or "writing/runbook-template" (the home page is "index").');
  }
  return page;
}

/**
 * Workshop mode's API under /api, mounted before the rest of the API: the attendee's calls
 * (progress, checks, catch-up, help, more time, their event feed) and the instructor's
 * (instructor-routes.ts). Every caller the guard accepts is remembered, so the room knows them.
 */
export function workshopRoutes(deps: WorkshopRouteDeps): express.Router {
  const { guard, store, workshop } = deps;
  const r = express.Router();
  const json = express.json({ limit: '16kb', type: () => true });
  /** The sessions a check is running in now. */
  const checking = new Set<string>();

  r.use((req, res, next) => {
    // /api/health stays public and does not count as activity.
    if (req.path === '/health') return next();
    const result = guard.check(req, req.method !== 'GET' && req.method !== 'HEAD');
    if (!result.ok) {
      res.locals.workshopRefusal = result;
      return next();
    }
    const who = workshop.seen(result.principal);
    res.locals.workshopCaller = { principal: result.principal, ...who };
    if (req.method === 'POST' && req.path === '/sessions') {
      // An attendee whose time is up gets no new session until the instructor gives more.
      if (who.role === 'attendee' && workshop.timeIsUp(who.user)) {
        return void res.status(403).json({ error: 'Your time for this workshop is up. Ask the instructor for more time.' });
      }
      res.on('finish', () => {
        if (res.statusCode === 201) workshop.sessionStarted(who.user);
      });
    }
    next();
  });

  r.get('/progress', (_req, res) => {
    res.json(workshop.db.progress(signedIn(res).user));
  });

  r.get('/workshop/me', (_req, res) => {
    const caller = signedIn(res);
    const row = workshop.db.user(caller.user);
    res.json({ user: caller.user, role: caller.role, endsAt: row?.endsAt ?? null, message: workshop.db.latestMessage(), help: row?.help ?? false });
  });

  r.post('/workshop/help', json, (req, res) => {
    const caller = signedIn(res);
    const help = (req.body as { help?: unknown } | null)?.help;
    if (typeof help !== 'boolean') throw new HttpError(400, 'Send {"help": true} to ask for help, or {"help": false} when you are fine.');
    workshop.setHelp(caller.user, help, caller.principal);
    res.status(204).end();
  });

  r.post('/workshop/more-time', (_req, res) => {
    workshop.askMoreTime(signedIn(res).user);
    res.status(204).end();
  });

  r.get('/workshop/events', (req, res) => {
    const caller = signedIn(res);
    workshop.attendeeFeed.open(caller.user, principalKey(caller.principal), req, res);
  });

  r.post('/sessions/:id/checks', json, async (req, res) => {
    const caller = signedIn(res);
    const session = store.get(String(req.params.id), caller.principal);
    const page = pageField(req.body);
    const check = (req.body as { check?: unknown }).check;
    if (typeof check !== 'string' || !KEY.test(check)) throw new HttpError(400, '"check" must be the check\'s key (its id="..." or check-<n>).');
    const spec = workshop.manifest.page(page)?.checks[check];
    if (!spec || typeof spec.script !== 'string')
      throw new HttpError(404, `The page "${page}" has no check "${check}" (the site may need a rebuild).`);
    // One check at a time per session: each is an exec of up to CHECK_TIMEOUT_S, and clicks must not pile them up.
    if (checking.has(session.id)) {
      throw new LimitReachedError(
        `A check is already running for this session. Wait for its answer (a check takes at most ${CHECK_TIMEOUT_S} s), then press Check again.`,
      );
    }
    checking.add(session.id);
    try {
      const sandbox = await session.sandbox(() => undefined);
      const result = await runCheck(sandbox, spec.script, workshop.runEnv);
      workshop.db.recordCheck(caller.user, { page, check, passed: result.passed, at: Date.now() });
      workshop.roomChanged();
      res.json({
        passed: result.passed,
        ...(!result.passed && spec.hint ? { hint: spec.hint } : {}),
        ...(spec.showOutput ? { output: result.output } : {}),
      });
    } finally {
      checking.delete(session.id);
    }
  });

  r.post('/sessions/:id/catch-up', json, (req, res) => {
    const caller = signedIn(res);
    const session = store.get(String(req.params.id), caller.principal);
    const page = pageField(req.body);
    const script = workshop.manifest.page(page)?.catchUp;
    if (typeof script !== 'string' || script.trim() === '') throw new HttpError(404, `The page "${page}" has no catch-up script.`);
    const run = store.startRun(session, { command: script, block: `${pathnameOfPage(page)}#catch-up`, kind: 'block' });
    res.status(201).json({ id: run.id });
  });

  r.use('/instructor', instructorRoutes(workshop, json));

  r.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const { status, body } = errorAnswer(err, deps.log, 'Workshop API error');
    res.status(status).json(body);
  });
  return r;
}
