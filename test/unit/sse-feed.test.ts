import { EventEmitter } from 'node:events';
import type { Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { LimitReachedError } from '../../server/domain-errors.ts';
import { MAX_STREAMS_PER_LOGIN, SSE_BUFFER_MAX, SseFeed } from '../../server/workshop/sse-feed.ts';

/** A response as the feed sees it: what it wrote, how much waits unsent (the test sets it), and whether it was cut. */
class FakeResponse {
  writableLength = 0;
  headed = false;
  destroyed = false;
  readonly written: string[] = [];
  writeHead(): this {
    this.headed = true;
    return this;
  }
  write(chunk: string): boolean {
    this.written.push(chunk);
    return true;
  }
  end(): void {}
  destroy(): void {
    this.destroyed = true;
  }
}

function listen(feed: SseFeed, key: string, login = `browser:${key}`) {
  const req = new EventEmitter();
  const res = new FakeResponse();
  feed.open(key, login, req as unknown as Request, res as unknown as Response);
  return { req, res };
}

describe('the workshop event feeds (server-sent events)', () => {
  it(`a login may have ${MAX_STREAMS_PER_LOGIN} streams open; one more is refused (429) before anything is written; a closed one gives its place back`, () => {
    const feed = new SseFeed();
    const open = Array.from({ length: MAX_STREAMS_PER_LOGIN }, () => listen(feed, 'ada', 'browser:one'));
    const extra = new FakeResponse();
    expect(() => feed.open('ada', 'browser:one', new EventEmitter() as unknown as Request, extra as unknown as Response)).toThrow(LimitReachedError);
    expect(extra.headed).toBe(false);
    // Another login of the same name (names are typed at login) is not shut out by the first one.
    expect(() => listen(feed, 'ada', 'browser:two'), 'another login under the same name').not.toThrow();
    open[0]!.req.emit('close');
    expect(() => listen(feed, 'ada', 'browser:one')).not.toThrow();
  });

  it('a stream that does not read is cut once more than the bound waits unsent; the others get the event', () => {
    const feed = new SseFeed();
    const stalled = listen(feed, 'room');
    const reading = listen(feed, 'room');
    stalled.res.writableLength = SSE_BUFFER_MAX + 1;
    const before = stalled.res.written.length;
    feed.send('room', 'room', { big: 'x'.repeat(1000) });
    expect(stalled.res.destroyed, 'the stalled stream was kept, its events piling up').toBe(true);
    expect(stalled.res.written.length).toBe(before);
    expect(reading.res.destroyed).toBe(false);
    expect(reading.res.written.at(-1)).toMatch(/^event: room\n/);
  });
});
