import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../env';
import { registerSharedComponents, type SchemaObject } from '../http/openapi';
import { TAGS } from './tags';

// GET /openapi.json: the document's own parts (overview, tags, security schemes, the stream message
// schema) and the components every route refers to. Loaded only by the app that serves every dialect
// (src/app.ts), so an isolate serving one dialect never builds any of it.

const OVERVIEW = `One notification inbox served in several API shapes over one store: a notification sent through any API shows in all of them, with the same id. The Client, Player, Notifications (system/user/organisation) and Project APIs implement public API documents (each operation names the document and section, and what we chose where it is silent); the Producer API is our own.

Every answer carries \`X-Request-Id\`, \`Cache-Control: private, no-cache\` and \`Server-Timing\` (not a WebSocket's 101); one that wrote, \`X-D1-Bookmark\`. Errors keep each API's shape; each operation lists its statuses. Rate limits are per caller (a user in a project, or an API key) and kind (polls, writes, listener opens): 429 with \`Retry-After\`, nothing read or changed; a 304 is not counted. Bodies over 256 KB: 413. Browsers may call from the operator's \`CORS_ORIGINS\`.`;

const TAG_DESCRIPTIONS: Record<string, string> = {
  [TAGS.client]:
    'The client polling API for end-user apps, with an event stream and a WebSocket that carry the same events from the same cursors. Auth: a user JWT as `Bearer` (claims `sub`, `exp`, optional `project`, `orgs`); the push channels also take `access_token`. Errors: `{ "error": { "code", "message" } }` with the document\'s codes and ours.',
  [TAGS.push]:
    'Web Push for end-user apps (ours): a browser subscribes with the VAPID key and registers its `PushSubscription`; then every notification created for that user (own, organisation or everyone) is pushed to it, encrypted (RFC 8291) and signed (RFC 8292), through a queue, even when the app is closed. Auth and errors as the Client API; a missing subscription is `SUBSCRIPTION_NOT_FOUND`.',
  [TAGS.player]:
    'The player notification API for game clients and servers; `me` works for any `{player_uuid}`. Auth: a user JWT as `Bearer` whose `permissions` claim holds the API\'s permissions. Errors: `{ "auth_success", "error_code", "desc" }`, a refused token is 403; validation: 422 `{ "detail": [ { "loc", "msg", "type" } ] }`.',
  [TAGS.audience]:
    'The Notifications API: system notifications (to everyone in the project), user notifications (your own) and client notifications (to an organisation in your token\'s `orgs`). Auth: the user JWT as the whole `Authorization` value, or as `Bearer`. Bodies keep the envelope `{ "notifications", "message" }`; errors are `{ "message", "code" }` (ours).',
  [TAGS.project]:
    'The operator\'s project API ("Notifications (Project-wide)" and "Notifications API (User-wide)"). Auth: a project key (its own project) or the admin key, as `Bearer`. Errors: `{ "message" }`; 422 adds `errors` by field.',
  [TAGS.producer]:
    'Our own API for the operator\'s backend: projects, their keys, and sending notifications that every other API shows. Auth: the admin key or a project key (its own project), as `Bearer`. Errors: `{ "error": { "code", "message", "parameter"? } }`.',
};

const cursor = { type: 'string' as const };
const at = { type: ['string' as const, 'null' as const], format: 'date-time' };

/** The client API's stream messages (src/api/client/stream-wire.ts), for the event stream and the WebSocket. */
const CLIENT_STREAM_MESSAGE: SchemaObject = {
  description:
    'A message of the event stream (`data:`; `event:` is its `type`, `id:` its `cursor`) or the WebSocket. `state`: your acknowledge or read; `acknowledged`: your acknowledge-all; `deleted`: deleted or archived; `counts`: the counts after the messages before it.',
  oneOf: [
    { type: 'object', properties: { type: { enum: ['ready', 'reset', 'replaced'] }, cursor }, required: ['type', 'cursor'], additionalProperties: false },
    {
      type: 'object',
      properties: { type: { const: 'notification' }, cursor, notification: { $ref: '#/components/schemas/ClientNotification' } },
      required: ['type', 'cursor', 'notification'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: {
        type: { const: 'state' },
        cursor,
        state: {
          type: 'object',
          properties: { id: { type: 'string' }, status: { enum: ['pending', 'acknowledged'] }, read_at: at, acknowledged_at: at, archived_at: at },
          required: ['id', 'status', 'read_at', 'acknowledged_at', 'archived_at'],
          additionalProperties: false,
        },
      },
      required: ['type', 'cursor', 'state'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: { type: { const: 'deleted' }, cursor, id: { type: 'string' } },
      required: ['type', 'cursor', 'id'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: { type: { const: 'acknowledged' }, cursor, through: { type: 'string' }, acknowledged_at: { type: 'string', format: 'date-time' } },
      required: ['type', 'cursor', 'through', 'acknowledged_at'],
      additionalProperties: false,
    },
    {
      type: 'object',
      description: 'The inbox\'s counts (as `GET /counts` answers them) at `cursor`, after everything sent before: after the first read, and whenever they change (an event, or an expiry).',
      properties: {
        type: { const: 'counts' },
        cursor,
        counts: {
          type: 'object',
          properties: { total: { type: 'integer' }, pending: { type: 'integer' } },
          required: ['total', 'pending'],
          additionalProperties: false,
        },
      },
      required: ['type', 'cursor', 'counts'],
      additionalProperties: false,
    },
  ],
};

/** Serves /openapi.json from the app's routes (every dialect mounted) and the parts above. */
export function serveOpenApi(app: OpenAPIHono<AppEnv>): void {
  const registry = app.openAPIRegistry;
  registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'A user JWT (Client, Player APIs) or an API key (Project, Producer APIs).',
  });
  registry.registerComponent('securitySchemes', 'token', {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description: 'A user JWT as the whole `Authorization` value (or `Bearer <token>`).',
  });
  registry.registerComponent('securitySchemes', 'accessToken', {
    type: 'apiKey',
    in: 'query',
    name: 'access_token',
    description: 'A user JWT in the query: the event stream and the WebSocket only.',
  });
  registerSharedComponents(registry);
  registry.registerComponent('schemas', 'ClientStreamMessage', CLIENT_STREAM_MESSAGE);
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'Edge notification inbox', version: '0.1.0', description: OVERVIEW },
    tags: Object.values(TAGS).map((name) => ({ name, description: TAG_DESCRIPTIONS[name] })),
  });
}
