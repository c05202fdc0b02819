import { hashPassword } from '../server/security/password.ts';
import { startAppServer } from '../test/support/app-server.ts';
import { Person, type EventReader } from '../test/support/workshop.ts';
import { ms, now, summarize, type Summary } from './stats.ts';

const CLASS = 'bench-class-password';
const TEACHER = 'bench-teacher-password';

/**
 * Workshop mode: the time from an attendee's run ending (its exit frame at the attendee) to the
 * instructor's room feed showing that run ended, with `attendees` people signed in, each with
 * their event feed open, as in a class. One attendee runs `true` as a page block, `reps` times.
 */
export async function measureRoomLatency(
  attendees: number,
  reps: number,
  log: (line: string) => void,
): Promise<{ attendees: number; latency: Summary }> {
  const app = await startAppServer({
    NOTES_PASSWORD_HASH: hashPassword(CLASS),
    INSTRUCTOR_PASSWORD_HASH: hashPassword(TEACHER),
    MAX_SESSIONS_PER_ADDRESS: String(attendees + 5),
  });
  const feeds: EventReader[] = [];
  try {
    log(`workshop room: ${attendees} attendees sign in and open their feeds`);
    const teacher = await Person.login(app, TEACHER, 'teacher');
    const people: Person[] = [];
    // One after another: the login limit counts tries in flight from one address.
    for (let i = 0; i < attendees; i++) people.push(await Person.login(app, CLASS, `attendee-${String(i).padStart(2, '0')}`));
    for (const p of people) {
      await p.request('GET', '/api/workshop/me');
      const feed = p.events('/api/workshop/events');
      feeds.push(feed);
      await feed.opened;
    }
    const room = teacher.events('/api/instructor/events');
    feeds.push(room);
    await room.opened;
    await room.next('room');
    const runner = people[0]!;
    const session = await runner.session();
    await runner.run(session, 'true', '/bench#0');

    log(`workshop room: run end -> room event, ${reps} times`);
    const samples: number[] = [];
    for (let i = 0; i < reps; i++) {
      const from = room.events.length;
      const id = await runner.startRun(session, 'true', '/bench#0');
      const ended = await new Promise<bigint>((resolve, reject) => {
        const ws = runner.stream(id);
        ws.on('message', (data: Buffer, binary) => {
          if (!binary && JSON.parse(data.toString()).type === 'exit') resolve(now());
        });
        ws.on('close', () => reject(new Error("the run's stream closed before its exit frame")));
      });
      await room.next(
        'room',
        (r) => r.attendees.some((a: { runs: Array<{ id: string; status: string }> }) => a.runs.some((x) => x.id === id && x.status === 'exited')),
        from,
      );
      samples.push(Math.max(0, ms(ended)));
    }
    return { attendees, latency: summarize(samples) };
  } finally {
    for (const f of feeds) f.close();
    await app.close();
  }
}
