/** The instructor's calls (same origin, the instructor's login cookie). */
import { workshopCall } from '../workshop/workshop-api.ts';
import type { Room } from '../../../server/protocol.ts';

export type { Room, RoomAttendee, RoomRun } from '../../../server/protocol.ts';

const at = (user: string) => `/api/instructor/attendees/${encodeURIComponent(user)}`;

export const getRoom = () => workshopCall<Room>('GET', '/api/instructor/room');
export const restartSandbox = (user: string) => workshopCall<unknown>('POST', `${at(user)}/restart`);
export const extendTime = (user: string, minutes: number) => workshopCall<{ endsAt: number }>('POST', `${at(user)}/extend`, { minutes });
export const endSession = (user: string) => workshopCall<unknown>('POST', `${at(user)}/end`);
export const sendMessage = (text: string) => workshopCall<{ id: string; at: number }>('POST', '/api/instructor/message', { text });
export const saveSettings = (s: { classSize?: number; timeLimitMinutes?: number | null }) =>
  workshopCall<Record<string, unknown>>('POST', '/api/instructor/settings', s);
