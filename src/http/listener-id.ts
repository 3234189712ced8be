import { z } from '@hono/zod-openapi';

/** The optional `listener_id` of the long poll, the event stream and the WebSocket (README "Listener names"). */
export const ListenerId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 characters of A-Z, a-z, 0-9, _ and -')
  .optional()
  .openapi({
    description:
      'The client’s name for this connection (1–64 of `A-Za-z0-9_-`). A new listener with the name of one this user still holds takes its place at once: the old one is answered (long poll: an empty page; event stream: a last `replaced` message, then closed; WebSocket: closed with 4000).',
  });
