import type { RequestHandler } from 'express';
import type { RequestGuard } from '../security/request-guard.ts';
import type { Workshop } from '../workshop/workshop.ts';
import { resolvedPath } from './resolved-path.ts';

/** The room page's paths as the static server would answer them. */
const INSTRUCTOR_PAGE = /^\/instructor(\/|\/index\.html|\.html)?$/;

/**
 * Pages the workshop keeps from browsers: `/workshop.json` (the checks' scripts are the author's
 * internals; the server reads the file itself) for everyone, and the room page for anyone but an
 * instructor. Both answer 404, as a page that does not exist.
 */
export function workshopPageGate(guard: RequestGuard, workshop: Workshop): RequestHandler {
  return (req, res, next) => {
    // As the file server behind resolves it: `/%77orkshop.json` or `//workshop.json` is that file too.
    const p = resolvedPath(req.originalUrl);
    if (p === undefined) return next();
    const hidden = p === '/workshop.json' || (INSTRUCTOR_PAGE.test(p) && !isInstructor());
    if (!hidden) return next();
    res.status(404).type('text/plain').send('Not found');

    function isInstructor(): boolean {
      const who = guard.identify(req);
      return who !== null && !('refused' in who) && workshop.seen(who).role === 'instructor';
    }
  };
}
