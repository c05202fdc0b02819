import { endSession, extendTime, getRoom, restartSandbox, saveSettings, sendMessage, type Room } from './instructor-api.ts';
import { renderRows, type RoomPage } from './room-table.ts';
import { ShoulderPane } from './shoulder-pane.ts';

/**
 * The instructor's room: the table from the server's room feed (an event on every change, so the
 * page never polls), the shoulder view, the actions on one attendee, the message to everyone and
 * the class settings.
 */
export async function bootRoom(): Promise<void> {
  const pages = JSON.parse(document.getElementById('room-pages')!.textContent ?? '[]') as RoomPage[];
  const tbody = document.querySelector<HTMLElement>('.room-table tbody')!;
  const live = document.querySelector<HTMLElement>('.room-live')!;
  const shoulder = new ShoulderPane(document.querySelector<HTMLElement>('.room-shoulder')!);
  const settings = document.querySelector<HTMLFormElement>('.room-settings')!;
  const say = (text: string) => (live.textContent = text);
  const act = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
      say(`${what}: done`);
    } catch (err) {
      say(`${what} failed: ${(err as Error).message}`);
    }
  };

  let settingsFilled = false;
  const show = (room: Room) => {
    renderRows(tbody, room.attendees, pages, {
      // The room as the server has it now: the feed may not have brought a run just started (a terminal).
      watch: (a) =>
        void getRoom()
          .then(
            (fresh) => fresh.attendees.find((x) => x.user === a.user) ?? a,
            () => a,
          )
          .then((latest) => shoulder.open(latest)),
      restart: (a) => void act(`Restart ${a.user}'s sandbox`, () => restartSandbox(a.user)),
      extend: (a) => void act(`Ten more minutes for ${a.user}`, () => extendTime(a.user, 10)),
      end: (a) => {
        if (confirm(`End ${a.user}'s session now?`)) void act(`End ${a.user}'s session`, () => endSession(a.user));
      },
    });
    document.querySelector<HTMLElement>('.room-empty')!.hidden = room.attendees.length > 0;
    document.querySelector('.room-pool')!.textContent = `Sandboxes ready: ${room.poolReady} (class size ${room.classSize})`;
    if (!settingsFilled) {
      settingsFilled = true;
      (settings.elements.namedItem('classSize') as HTMLInputElement).value = String(room.classSize);
    }
    const watched = room.attendees.find((a) => a.user === shoulder.user);
    if (watched) shoulder.update(watched);
    document.body.dataset.roomUpdated = String(Date.now());
  };

  show(await getRoom());
  const events = new EventSource('/api/instructor/events', { withCredentials: true });
  events.addEventListener('open', () => {
    live.dataset.live = 'true';
    say('Live');
  });
  events.addEventListener('error', () => {
    live.dataset.live = 'false';
    say('Reconnecting…');
  });
  events.addEventListener('room', (e) => show(JSON.parse((e as MessageEvent<string>).data) as Room));

  settings.addEventListener('submit', (e) => {
    e.preventDefault();
    const size = (settings.elements.namedItem('classSize') as HTMLInputElement).value;
    const limit = (settings.elements.namedItem('timeLimitMinutes') as HTMLInputElement).value;
    // An empty time limit leaves it as it is; 0 removes it.
    const timeLimit = limit === '' ? {} : { timeLimitMinutes: Number(limit) > 0 ? Number(limit) : null };
    void act('Settings', () => saveSettings({ ...(size ? { classSize: Number(size) } : {}), ...timeLimit }));
  });
  const message = document.querySelector<HTMLFormElement>('.room-message')!;
  message.addEventListener('submit', (e) => {
    e.preventDefault();
    const box = message.elements.namedItem('text') as HTMLTextAreaElement;
    const status = message.querySelector('.room-message-status')!;
    void sendMessage(box.value.trim())
      .then(() => {
        status.textContent = 'Sent to everyone';
        box.value = '';
      })
      .catch((err: Error) => (status.textContent = `Not sent: ${err.message}`));
  });
}
