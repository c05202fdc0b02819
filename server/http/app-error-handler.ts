import type { ErrorRequestHandler } from 'express';
import { errorAnswer } from './http-error.ts';

/**
 * The app's last error handler: an error no router answered (a page's file that cannot be read, a
 * body or a path that cannot be decoded) gets its status from http-error.ts and a message that says
 * what to do, never Express's default page, which shows the stack unless NODE_ENV is production.
 * The server's own errors (500) are logged with their stack.
 */
export function appErrorHandler(log: (line: string) => void): ErrorRequestHandler {
  return (err, req, res, next) => {
    // The head went out: only cutting the connection can say the answer broke, which Express's handler does.
    if (res.headersSent) return next(err);
    const {
      status,
      body: { error },
    } = errorAnswer(err, log, `Error answering ${req.method} ${req.path}`);
    if (req.path.startsWith('/api/')) return void res.status(status).json({ error });
    res.status(status).type('text/plain').send(error);
  };
}
