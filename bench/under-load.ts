import type { Engine } from '../server/docker/engine.ts';
import { LABELS } from '../server/docker/labels.ts';
import type { ApiClient } from '../test/support/api-client.ts';
import { startAppServer } from '../test/support/app-server.ts';
import { execFirstByte } from './exec-first-byte.ts';
import { apiFirstByte } from './first-byte.ts';
import { stopDuring } from './stop-during.ts';
import { summarize, type Summary } from './stats.ts';

export interface UnderLoadFigures {
  /** New sessions the background class made (and ran blocks in) while the figures were taken. */
  backgroundSessions: number;
  backgroundFailures: number;
  floor: Summary;
  warmClick: Summary;
  stop: Record<string, Summary>;
}

/** What each background attendee runs in a new session, as a reader working down a page would. */
const ATTENDEE_BLOCKS = ['echo hello', 'docker ps -a', 'seq 1 20000'];

/**
 * Keeps `attendees` readers arriving: each makes a new session, runs the blocks, leaves, and comes
 * back as a new reader, until stopped. The load of a class arriving, for the "under load" rows.
 */
function backgroundClass(api: ApiClient, attendees: number) {
  let running = true;
  let sessions = 0;
  let failures = 0;
  const loops = Array.from({ length: attendees }, async () => {
    while (running) {
      try {
        const s = await api.createSession();
        sessions++;
        for (const block of ATTENDEE_BLOCKS) if (running) await api.run(s, block);
        await api.deleteSession(s);
      } catch {
        failures++;
      }
    }
  });
  return {
    sessions: () => sessions,
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return { sessions, failures };
    },
  };
}

/**
 * The warm click and Stop while `attendees` new readers keep arriving in the background. The exec floor
 * is taken interleaved with the clicks, so both see the same load.
 */
export async function measureUnderLoad(
  engine: Engine,
  identity: { user?: string; env: string[] },
  opts: { attendees: number; reps: number; stops: number },
  log: (line: string) => void,
): Promise<UnderLoadFigures> {
  const app = await startAppServer({ WARM_POOL: '0', MAX_SESSIONS: String(opts.attendees * 2 + 10) });
  try {
    const api = app.api;
    const session = await api.createSession();
    await api.run(session, 'true');
    const [sandbox] = (await engine.listLabelled({ [LABELS.session]: session })).containers;
    if (!sandbox) throw new Error('the bench session has no sandbox');
    log(`under load: ${opts.attendees} readers keep arriving in the background`);
    const load = backgroundClass(api, opts.attendees);
    // Measure once the class is going: every background reader has a session and sandboxes are being made.
    while (load.sessions() < opts.attendees) await new Promise((r) => setTimeout(r, 200));
    const floor: number[] = [];
    const click: number[] = [];
    log(`under load: exec floor and warm click, interleaved, ${opts.reps} each`);
    for (let i = 0; i < opts.reps; i++) {
      floor.push(await execFirstByte(engine, sandbox, ['echo', 'hi'], identity.user, identity.env));
      click.push(await apiFirstByte(api, session, 'echo hi'));
    }
    const stop: Record<string, Summary> = {};
    for (const [name, command] of [
      ['yes', 'yes'],
      ['yes that traps INT', "trap '' INT; yes"],
      ['a child that traps INT and TERM', `bash -c "trap '' INT TERM; yes"`],
    ] as const) {
      log(`under load: Stop during ${name}, ${opts.stops} times`);
      const samples: number[] = [];
      for (let i = 0; i < opts.stops; i++) samples.push(await stopDuring(api, session, command, 2 ** 20));
      stop[name] = summarize(samples);
    }
    const background = await load.stop();
    return {
      backgroundSessions: background.sessions,
      backgroundFailures: background.failures,
      floor: summarize(floor),
      warmClick: summarize(click),
      stop,
    };
  } finally {
    await app.close();
  }
}
