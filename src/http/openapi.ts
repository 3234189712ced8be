import type { OpenAPIHono, RouteConfig } from '@hono/zod-openapi';
import { MAX_BODY_BYTES } from './body-limit';
import { D1_BOOKMARK_HEADER } from './d1-session';

// The pieces of /openapi.json every dialect shares: the headers (defined once, as components, and
// referenced), the standard responses with their headers, and the builders with which each route
// states its own statuses. Plain OpenAPI objects, not zod: a zod schema in createRoute's
// `request.headers` is validated at run time, and documenting a header must not change how a request
// is answered (a malformed If-None-Match is ignored, a malformed bookmark too). They cost nothing to build.

type Ref = { $ref: string };
// Type aliases, not interfaces: only those are assignable to the OpenAPI types' index signatures.
type Schema = { type: 'string' | 'integer'; pattern?: string; const?: string; minimum?: number; minLength?: number; maxLength?: number };
type HeaderObject = { description: string; required: boolean; schema: Schema };
/** A response's headers (createRoute also takes a zod object there, which would be built on every first request). */
type Headers = Record<string, Ref | HeaderObject>;
type ParameterObject = Exclude<NonNullable<RouteConfig['parameters']>[number], Ref>;
type Registry = OpenAPIHono['openAPIRegistry'];
declare const anyRegistry: Registry;
/** A JSON schema written out (for components/schemas), as the registry takes it. */
export type SchemaObject = Parameters<typeof anyRegistry.registerComponent<'schemas'>>[2];

const headerRef = (name: string): Ref => ({ $ref: `#/components/headers/${name}` });
const parameterRef = (name: string): Ref => ({ $ref: `#/components/parameters/${name}` });

const REQUEST_ID_PATTERN = '^[A-Za-z0-9_.:-]{1,64}$';
const BOOKMARK_PATTERN = '^(DB_[A-Z0-9_]+\\.)?[0-9a-fA-F]{8}-[0-9a-fA-F]{8}-[0-9a-fA-F]{8}-[0-9a-fA-F]{32}$';

const header = (required: boolean, description: string, schema: Schema): HeaderObject => ({ required, description, schema });
const requestHeader = (name: string, description: string, schema: Schema, required = false): ParameterObject => ({ in: 'header', name, required, description, schema });
const text: Schema = { type: 'string' };

/** components/headers: the response headers (http/request-context.ts, errors.ts, conditional.ts, the routes). */
const RESPONSE_HEADERS: Record<string, HeaderObject> = {
  'X-Request-Id': header(true, 'The request id: yours if you sent a plain one (1-64 of `A-Za-z0-9_.:-`), else a new UUID. Quote it when reporting a problem.', {
    type: 'string',
    pattern: REQUEST_ID_PATTERN,
  }),
  'Cache-Control': header(true, 'Always `private, no-cache`.', { type: 'string', const: 'private, no-cache' }),
  'Server-Timing': header(true, 'What D1 did: `db;dur=<ms>, d1;desc="q=<statements> rr=<rows read> rw=<rows written>";dur=<ms>`.', text),
  [D1_BOOKMARK_HEADER]: header(false, 'When the request wrote: where. Send it back (request header) to read at least that fresh.', {
    type: 'string',
    pattern: BOOKMARK_PATTERN,
  }),
  ETag: header(true, 'The tag of this answer; send it in `If-None-Match`. Compare weakly (`W/` may be added on the way).', { type: 'string', pattern: '^(W/)?"[^"]+"$' }),
  'Retry-After': header(true, 'Seconds until the rate-limit window ends (at most).', { type: 'integer', minimum: 1 }),
  Allow: header(true, 'The methods the path has.', { type: 'string', pattern: '^[A-Z]+(, [A-Z]+)*$' }),
  'Stream-Cursor': header(false, 'First pages of the whole inbox only: open a stream with `since=` this to get exactly what came after the page.', {
    type: 'string',
    minLength: 1,
  }),
  'Idempotent-Replayed': header(false, 'The stored answer to an earlier request with this `Idempotency-Key`: nothing was stored.', { type: 'string', const: 'true' }),
  'Content-Encoding': header(false, 'When the wait may outlast the keep-alive: sent uncompressed, with a space (JSON allows it) after each silent keep-alive.', {
    type: 'string',
    const: 'identity',
  }),
  'X-Accel-Buffering': header(true, 'Asks proxies not to buffer the events.', { type: 'string', const: 'no' }),
};

/** components/parameters: the request headers, documented only (nothing here validates them). */
const REQUEST_HEADERS: Record<string, ParameterObject> = {
  'X-Request-Id': requestHeader('X-Request-Id', 'Your id for the request: kept if 1-64 of `A-Za-z0-9_.:-`, else replaced.', { type: 'string', pattern: REQUEST_ID_PATTERN }),
  [D1_BOOKMARK_HEADER]: requestHeader(
    D1_BOOKMARK_HEADER,
    'The latest `X-D1-Bookmark` you were given, unchanged (`<bookmark>`, or `<binding>.<bookmark>` in a deployment of several databases): the request reads at least that fresh. Another shape is ignored; one D1 refuses is 400 (422 in the Player and Project APIs).',
    { type: 'string', pattern: BOOKMARK_PATTERN },
  ),
  'If-None-Match': requestHeader('If-None-Match', 'ETags of earlier answers (weak or strong, a list, or `*`): 304 while nothing the answer shows changed. Any other value is just no match.', text),
  'Last-Event-ID': requestHeader('Last-Event-ID', 'Resume after this event id (EventSource sends it when it reconnects); wins over `since`. Not this user\'s: 400.', {
    type: 'string',
    minLength: 1,
    maxLength: 512,
  }),
  Upgrade: requestHeader('Upgrade', '`websocket` (any case); without it: 400.', { type: 'string', pattern: '^[Ww][Ee][Bb][Ss][Oo][Cc][Kk][Ee][Tt]$' }, true),
};

/** The body of a 500: the same in every API, with the request id to quote. */
const INTERNAL_ERROR: SchemaObject = {
  type: 'object',
  description: 'Something failed on our side; the logs know the request id.',
  properties: {
    error: {
      type: 'object',
      properties: { code: { const: 'internal_error' }, message: { type: 'string' }, request_id: { type: 'string' } },
      required: ['code', 'message', 'request_id'],
    },
  },
  required: ['error'],
};

/** Registers the components the routes refer to (once, where the whole document is built). */
export function registerSharedComponents(registry: OpenAPIHono['openAPIRegistry']): void {
  for (const [name, header] of Object.entries(RESPONSE_HEADERS)) registry.registerComponent('headers', name, header);
  for (const [name, parameter] of Object.entries(REQUEST_HEADERS)) registry.registerComponent('parameters', name, parameter);
  registry.registerComponent('schemas', 'InternalError', INTERNAL_ERROR);
}

export const bearerAuth = [{ bearer: [] }];

/** Request headers a route reads besides the ones every request may send. */
export const IF_NONE_MATCH = parameterRef('If-None-Match');
export const LAST_EVENT_ID = parameterRef('Last-Event-ID');
export const UPGRADE = parameterRef('Upgrade');

/** A route's request headers (createRoute's `parameters`): every request's own, then the route's. */
export function requestHeaders(...own: Ref[]): Ref[] {
  return [parameterRef('X-Request-Id'), parameterRef(D1_BOOKMARK_HEADER), ...own];
}

/** Response headers some answers carry, for the builders below. */
export const ETAG: Headers = { ETag: headerRef('ETag') };
/** On the answers of requests that may write. */
export const BOOKMARK: Headers = { [D1_BOOKMARK_HEADER]: headerRef(D1_BOOKMARK_HEADER) };
export const STREAM_CURSOR_HEADER: Headers = { 'Stream-Cursor': headerRef('Stream-Cursor') };
export const IDEMPOTENT_REPLAYED: Headers = { 'Idempotent-Replayed': headerRef('Idempotent-Replayed') };
export const CONTENT_ENCODING_IDENTITY: Headers = { 'Content-Encoding': headerRef('Content-Encoding') };
export const ACCEL_BUFFERING: Headers = { 'X-Accel-Buffering': headerRef('X-Accel-Buffering') };

/** What every answer carries (http/request-context.ts), but a WebSocket's 101. */
const EVERY: Headers = {
  'X-Request-Id': headerRef('X-Request-Id'),
  'Cache-Control': headerRef('Cache-Control'),
  'Server-Timing': headerRef('Server-Timing'),
};

export function jsonResponse<T>(schema: T, description = 'OK', headers: Headers = {}) {
  return { description, headers: { ...EVERY, ...headers }, content: { 'application/json': { schema } } };
}

/** An answer without a body (204, 304). */
export function emptyResponse(description: string, headers: Headers = {}) {
  return { description, headers: { ...EVERY, ...headers } };
}

/** The 304 of a route with an ETag. */
export function notModified(description = 'Not Modified: nothing this answer shows has changed since the tag in `If-None-Match`. No body.') {
  return emptyResponse(description, ETAG);
}

export function jsonRequest<T>(schema: T) {
  return { required: true, content: { 'application/json': { schema } } };
}

/** A status a route answers, with what it means there when the dialect's words are not enough. */
export type Status = number | [status: number, description: string];

const STATUS_TEXT: Record<number, string> = {
  400: 'Invalid parameter; the message names it.',
  401: 'Missing, unknown, revoked or invalid credentials.',
  403: 'Forbidden.',
  404: 'Not found.',
  405: 'Not a method of this path (see `Allow`), whoever asks.',
  409: 'Conflict.',
  413: `Body over ${MAX_BODY_BYTES / 1024} KB, refused before it is read.`,
  422: 'Validation failed.',
  429: 'Rate limit exceeded; nothing was read or changed. Retry after `Retry-After` seconds.',
  503: 'The project has the most listeners allowed. Retry with backoff.',
};

/** A dialect's note says what a status means there (its error code first); the shared words follow where they add something. */
function describe(status: number, note: string | undefined): string {
  if (!note) return STATUS_TEXT[status] ?? 'Error';
  return [405, 413, 429, 503].includes(status) ? `${note} ${STATUS_TEXT[status]}` : note;
}

const STATUS_HEADERS: Record<number, Headers> = {
  405: { Allow: headerRef('Allow') },
  429: { 'Retry-After': headerRef('Retry-After') },
  // A moving inbox says when to retry; a full project (listeners) does not know.
  503: { 'Retry-After': header(false, 'Seconds to wait before retrying, when the wait is known (an inbox moving to another database).', { type: 'integer', minimum: 1 }) },
};

/** Every answer's headers, none required: a 500 may come before the request had an id (a Worker deployed without its bindings). */
const OPTIONAL_EVERY: Headers = Object.fromEntries(Object.keys(EVERY).map((name) => [name, { ...RESPONSE_HEADERS[name]!, required: false }]));

/**
 * The dialect's error answers for the given statuses (its body schema, `byStatus` for exceptions such
 * as the player API's 422), each with its headers; and the 500 every route may answer.
 */
export function errorResponses<T>(schema: T, statuses: Status[], byStatus: Record<number, unknown> = {}, notes: Record<number, string> = {}) {
  const responses: Record<number, ReturnType<typeof jsonResponse>> = {};
  for (const entry of statuses) {
    const [status, description] = typeof entry === 'number' ? [entry, describe(entry, notes[entry])] : entry;
    responses[status] = jsonResponse(byStatus[status] ?? schema, description, STATUS_HEADERS[status]);
  }
  responses[500] = {
    description: 'Internal error (the database or a listener object failed). Retry later.',
    headers: OPTIONAL_EVERY,
    content: { 'application/json': { schema: { $ref: '#/components/schemas/InternalError' } } },
  };
  return responses;
}
