import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CLOSE, type Inventory } from '../../server/protocol.ts';
import { Session } from '../../server/sessions/session.ts';
import { FEED_BUFFER_MAX, FEED_STALL_MAX_MS, streamSessionEvents } from '../../server/ws/session-events.ts';
import { fakeFactory } from './fake-sandbox.ts';
import { FakeSocket } from './fake-socket.ts';

/** An inventory as the feed forwards it (its content is the sandbox's; only its identity matters here). */
const inventory = (n: number) => ({ containers: [{ name: `c${n}` }] }) as unknown as Inventory;

describe("the session panel's feed", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('a feed that is not read holds only the newest inventory back, sends it once the socket drains, and is closed when it never does', async () => {
    const session = new Session('session-1', 'browser:a', fakeFactory());
    const feed = new FakeSocket();
    streamSessionEvents(feed.ws, session);
    expect(feed.messages.map((m) => m.type)).toEqual(['no-sandbox']);
    // The engine changes fast and the page reads nothing: the socket holds more than the bound.
    feed.bufferedAmount = FEED_BUFFER_MAX + 1;
    for (let n = 1; n <= 50; n++) session.emit('inventory', inventory(n));
    expect(feed.sent, 'inventories were queued on a socket that reads nothing').toHaveLength(1);
    feed.bufferedAmount = 0;
    await vi.advanceTimersByTimeAsync(200);
    expect(feed.messages.slice(1), 'once it drains: the newest inventory, once').toEqual([{ type: 'inventory', inventory: inventory(50) }]);
    // Behind for good: closed (the page's panel opens a new feed), and cut rather than left to a close handshake.
    feed.bufferedAmount = FEED_BUFFER_MAX + 1;
    session.emit('inventory', inventory(51));
    await vi.advanceTimersByTimeAsync(FEED_STALL_MAX_MS - 1000);
    expect(feed.closed).toBeUndefined();
    await vi.advanceTimersByTimeAsync(2000);
    expect(feed.closed?.code).toBe(CLOSE.tooSlow);
    expect(feed.terminated).toBe(true);
  });

  it("answers the client's frames only while it reads", () => {
    const session = new Session('session-1', 'browser:a', fakeFactory());
    const feed = new FakeSocket();
    streamSessionEvents(feed.ws, session);
    feed.receive('hello');
    expect(feed.messages.filter((m) => m.type === 'error')).toHaveLength(1);
    feed.bufferedAmount = FEED_BUFFER_MAX + 1;
    for (let i = 0; i < 100; i++) feed.receive('hello');
    expect(feed.messages.filter((m) => m.type === 'error')).toHaveLength(1);
  });
});
