import type { Session } from '../sessions/session.ts';
import type { Room, RoomAttendee } from '../protocol.ts';
import type { WorkshopDb } from './workshop-db.ts';

export type { Room, RoomAttendee } from '../protocol.ts';

/** Runs of an attendee's session listed in the room (the newest). */
const ROOM_RUNS = 20;

/**
 * The room, sorted so the ones who need the instructor come first: those asking for help, then
 * those whose last failure is newer than their last success (stuck), then the longest idle.
 */
export function buildRoom(db: WorkshopDb, sessionsOf: (user: string) => Session[], classSize: number, poolReady: number, now = Date.now()): Room {
  const rows = db.users('attendee').map((u) => {
    const failed = db.lastFailure(u.user);
    const session = sessionsOf(u.user)[0];
    const runs = session ? [...session.runs.values()].slice(-ROOM_RUNS).map((r) => r.info()) : [];
    const latestBlock = [...runs].reverse().find((r) => r.kind === 'block' && r.block)?.block;
    const attendee: RoomAttendee = {
      user: u.user,
      pages: db.progress(u.user).pages,
      ...(failed ? { lastFailure: failed.failure } : {}),
      idleMs: Math.max(0, now - u.lastActive),
      help: u.help,
      moreTime: u.moreTime,
      endsAt: u.endsAt,
      ...(latestBlock ? { currentBlock: latestBlock } : {}),
      ...(session ? { sessionId: session.id } : {}),
      runs: runs.map((r) => ({
        id: r.id,
        ...(r.block !== undefined ? { block: r.block } : {}),
        kind: r.kind,
        status: r.status,
        ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}),
        createdAt: r.createdAt,
      })),
    };
    return { attendee, stuck: failed?.stuck ?? false };
  });
  rows.sort(
    (a, b) =>
      Number(b.attendee.help) - Number(a.attendee.help) ||
      Number(b.stuck) - Number(a.stuck) ||
      b.attendee.idleMs - a.attendee.idleMs ||
      a.attendee.user.localeCompare(b.attendee.user),
  );
  return { attendees: rows.map((r) => r.attendee), classSize, poolReady };
}
