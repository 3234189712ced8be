import { encodeStreamCursor, streamScope, type StreamPosition } from '../../core/cursor';
import type { UserPrincipal } from '../../core/principal';
import type { StreamCounts, StreamEvent } from '../../core/stream';
import { encodeNotification, iso } from './notification-json';
import type { ClientNotification } from './wire';

// The client API's real-time events (README, "Real-time: SSE and WebSocket"). One message shape for
// both transports: a WebSocket sends it as JSON text; SSE sends its `type` as `event:`, its
// `cursor` as `id:` and the whole message as `data:`.

export type StreamMessage =
  | { type: 'ready' | 'reset' | 'replaced'; cursor: string }
  | { type: 'notification'; cursor: string; notification: ClientNotification }
  | { type: 'state'; cursor: string; state: ClientState }
  | { type: 'deleted'; cursor: string; id: string }
  /** The user's acknowledge-all: every notification at or older than `through` that was pending is acknowledged. */
  | { type: 'acknowledged'; cursor: string; through: string; acknowledged_at: string }
  /** The inbox's counts (as GET /counts answers them) at `cursor`: after everything sent before it. */
  | { type: 'counts'; cursor: string; counts: { total: number; pending: number } };

/** The caller's own state of one notification, as another of their devices changed it. */
export interface ClientState {
  id: string;
  status: 'pending' | 'acknowledged';
  read_at: string | null;
  acknowledged_at: string | null;
  archived_at: string | null;
}

/** The first message of every stream: `ready` (resumes or starts there) or `reset` (refetch, then go on from there). */
export function streamStart(user: UserPrincipal, position: StreamPosition, reset: boolean, database?: string): StreamMessage {
  return { type: reset ? 'reset' : 'ready', cursor: streamCursor(user, position, database) };
}

/** The last message of an event stream whose `listener_id` a newer connection took: do not reconnect. */
export function streamReplaced(user: UserPrincipal, position: StreamPosition, database?: string): StreamMessage {
  return { type: 'replaced', cursor: streamCursor(user, position, database) };
}

export function streamMessage(user: UserPrincipal, event: StreamEvent, database?: string): StreamMessage {
  const cursor = streamCursor(user, event.position, database);
  switch (event.kind) {
    case 'notification':
      return { type: 'notification', cursor, notification: encodeNotification(event.item) };
    case 'deleted':
      return { type: 'deleted', cursor, id: event.id };
    case 'acknowledged':
      return { type: 'acknowledged', cursor, through: event.through, acknowledged_at: iso(event.at)! };
    case 'state': {
      const { readAt, acknowledgedAt, archivedAt } = event.receipt;
      const status = acknowledgedAt === null ? 'pending' : 'acknowledged';
      return {
        type: 'state',
        cursor,
        state: { id: event.id, status, read_at: iso(readAt), acknowledged_at: iso(acknowledgedAt), archived_at: iso(archivedAt) },
      };
    }
  }
}

/** A round of events, then the counts at the position after them (core/stream.ts follow). */
export function streamRound(
  user: UserPrincipal,
  events: StreamEvent[],
  counts: StreamCounts | undefined,
  position: StreamPosition,
  database?: string,
): StreamMessage[] {
  const messages = events.map((event) => streamMessage(user, event, database));
  if (counts) messages.push({ type: 'counts', cursor: streamCursor(user, position, database), counts });
  return messages;
}

/** Server-Sent Events framing: `id:` is the resume cursor (EventSource sends it back as Last-Event-ID). */
export function sseFrame(message: StreamMessage): string {
  return `id: ${message.cursor}\nevent: ${message.type}\ndata: ${JSON.stringify(message)}\n\n`;
}

/** Sent when an event stream has been silent for a while (it keeps intermediaries from closing it). */
export const SSE_HEARTBEAT = ': heartbeat\n\n';

/**
 * The stream's first field: how long an EventSource waits before it reconnects after a drop. Spread
 * over 2–5 s, so that the reconnects after a deploy (which drops every connection) do not all come at once.
 */
export function sseRetry(random = Math.random()): string {
  return `retry: ${2000 + Math.floor(random * 3000)}\n\n`;
}

/**
 * A stream cursor for `since` (and Last-Event-ID): every message's `cursor`, and a first page's Stream-Cursor.
 * `database`: the binding of the database holding the user's inbox (its sequences are that database's).
 */
export function streamCursor(user: UserPrincipal, position: StreamPosition, database?: string): string {
  return encodeStreamCursor(streamScope(user, 'since', database), position);
}
