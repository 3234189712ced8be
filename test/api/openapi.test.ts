import type { Schema } from '@cfworker/json-schema';
import type { Hono, MiddlewareHandler } from 'hono';
import { beforeAll, describe, expect, it } from 'vitest';
import { audienceApi } from '../../src/api/audience/routes';
import { clientApi } from '../../src/api/client';
import { MOUNTS, dialectOf, type DialectName } from '../../src/api/mounts';
import { playerApi } from '../../src/api/player/routes';
import { producerApi } from '../../src/api/producer/routes';
import { projectApi } from '../../src/api/project/routes';
import { pushApi } from '../../src/api/push/routes';
import { TAGS } from '../../src/api/tags';
import type { AppEnv } from '../../src/env';
import { requireApiKey, requireRawOrBearerUser, requireStreamUser, requireUser } from '../../src/http/auth';
import { limitBody } from '../../src/http/body-limit';
import { listenerOrigin } from '../../src/http/origin';
import { call } from '../helpers';
import { loadDocument, resolve, type Document, type Header, type Operation, type Parameter, type ResponseDoc } from './openapi-conformance';

// GET /openapi.json, walked whole: every operation says what it is (operationId, summary, the
// document and section it implements, its API's tag), every status it can answer with the headers
// that come with it, and its parameters' constraints. What a route can answer is read from the
// routes themselves (the middleware each one declares), so an operation that loses a status the
// code can still answer fails here; test/api/openapi-responses.test.ts checks real answers.

/** Each API's document, as the first line of every operation's description names it. */
const DOCUMENTS: Record<DialectName, RegExp> = {
  client: /Client polling API, section /,
  push: /Web Push \(ours, beside the client polling API; README "Push"\)/,
  player: /Player notification API[,:] /,
  audience: /Notifications API, section /,
  project: /Notifications (\(Project-wide\), section |API \(User-wide\), the section after )/,
  producer: /Producer API \(our own; no outside document\)/,
};
const OPERATION_PREFIX: Record<DialectName, string> = { client: 'client', push: 'push', player: 'player', audience: 'notifications', project: 'project', producer: 'producer' };
/** The status of a refused credential: 403 in the player API (its document's choice), else 401. */
const AUTH_FAILURE: Record<DialectName, number> = { client: 401, push: 401, player: 403, audience: 401, project: 401, producer: 401 };
const ERROR_SCHEMA: Record<DialectName, string> = {
  client: 'ClientError',
  push: 'ClientError',
  player: 'PlayerError',
  audience: 'AudienceError',
  project: 'ProjectError',
  producer: 'ProducerError',
};
const AUTH: MiddlewareHandler<AppEnv>[] = [requireUser, requireStreamUser, requireRawOrBearerUser, requireApiKey];
const CURSORS = ['cursor', 'start_at', 'exclude_before', 'since', 'last-event-id'];
const LIMITS = ['limit', 'page_size', 'per_page', 'max_page_size', 'deadline'];

/** What a route's middleware says it can answer, read from the dialect apps' own route tables. */
interface Guards {
  rateLimitClass?: string;
  bodyLimit: boolean;
  auth: boolean;
  listenerOrigin: boolean;
}

function guardsOf(): Map<string, Guards> {
  const apps: Record<DialectName, Hono<AppEnv>> = {
    client: clientApi(),
    push: pushApi(),
    player: playerApi(),
    audience: audienceApi(),
    project: projectApi(),
    producer: producerApi(),
  };
  const guards = new Map<string, Guards>();
  for (const [name, app] of Object.entries(apps) as [DialectName, Hono<AppEnv>][]) {
    for (const { method, path, handler } of app.routes) {
      if (method === 'ALL') continue;
      const template = `${MOUNTS[name]}${path === '/' ? '' : path}`.replace(/:(\w+)/g, '{$1}');
      const key = `${method.toLowerCase()} ${template}`;
      const entry = guards.get(key) ?? { bodyLimit: false, auth: false, listenerOrigin: false };
      const limiter = (handler as { rateLimitClass?: string }).rateLimitClass;
      if (limiter) entry.rateLimitClass = limiter;
      if (handler === limitBody) entry.bodyLimit = true;
      if (handler === listenerOrigin) entry.listenerOrigin = true;
      if (AUTH.includes(handler as MiddlewareHandler<AppEnv>)) entry.auth = true;
      guards.set(key, entry);
    }
  }
  return guards;
}

let doc: Document;
let guards: Map<string, Guards>;
const operations: { method: string; path: string; op: Operation; dialect: DialectName }[] = [];

beforeAll(async () => {
  doc = await loadDocument();
  guards = guardsOf();
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) operations.push({ method, path, op, dialect: dialectOf(path)! });
  }
});

const parametersOf = (op: Operation) => (op.parameters ?? []).map((p) => resolve<Parameter>(doc, p));
const responsesOf = (op: Operation) => Object.entries(op.responses).map(([status, r]) => [Number(status), resolve<ResponseDoc>(doc, r)] as const);
const headersOf = (response: ResponseDoc) =>
  new Map(Object.entries(response.headers ?? {}).map(([name, h]) => [name.toLowerCase(), resolve<Header>(doc, h)]));

/** Runs `check` on every operation and collects what it finds, so one run names every gap. */
function everyOperation(check: (o: (typeof operations)[number], fail: (message: string) => void) => void): string[] {
  const failures: string[] = [];
  for (const o of operations) check(o, (message) => failures.push(`${o.method.toUpperCase()} ${o.path}: ${message}`));
  return failures;
}

/**
 * What a user changes in their own inbox (acknowledges, and seeds/001's fetch, which marks read): refused with
 * 503 and Retry-After while the inbox moves to another database (http/inbox-db.ts inboxForWrite). The answers
 * themselves are driven in openapi-responses.test.ts.
 */
const MOVING_WRITES = new Set([
  'clientAcknowledgeNotifications',
  'clientAcknowledgeAll',
  'clientAcknowledgeNotification',
  'notificationsGetSystem',
  'notificationsGetUser',
  'notificationsGetClient',
]);

describe('GET /openapi.json', () => {
  it('describes every dialect, the push channels included', async () => {
    const res = await call('/openapi.json');
    expect(res.status).toBe(200);
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/client/notifications',
        '/api/v1/client/notifications/stream',
        '/api/v1/client/notifications/ws',
        '/notification/v1/player/{player_uuid}/stream/notification/lp',
        '/api/notifications/system',
        '/api/v1/project/{project_id}/notifications',
        '/v1/projects/{project}/notifications',
      ]),
    );
    expect(Object.keys(doc.paths['/api/v1/client/notifications/stream']!)).toEqual(['get']);
    // Every route of every dialect is in the document, and nothing else.
    expect(operations.map((o) => `${o.method} ${o.path}`).sort()).toEqual([...guards.keys()].sort());
    expect(doc.info.description).toBeTruthy();
  });

  it('names each operation: a unique operationId, a summary, a description naming its document and section, one tag', () => {
    expect(doc.tags?.map((t) => t.name)).toEqual(Object.values(TAGS));
    for (const tag of doc.tags!) expect(tag.description?.length, tag.name).toBeGreaterThan(100);
    const ids = new Set<string>();
    const failures = everyOperation(({ op, dialect }, fail) => {
      const id = op.operationId ?? '';
      if (!new RegExp(`^${OPERATION_PREFIX[dialect]}[A-Z][A-Za-z]+$`).test(id)) fail(`operationId "${id}" is not ${OPERATION_PREFIX[dialect]}…`);
      if (ids.has(id)) fail(`operationId "${id}" is not unique`);
      ids.add(id);
      if (!op.summary || op.summary.length > 80) fail(`summary "${op.summary}"`);
      const [first = '', ...rest] = (op.description ?? '').split('\n\n');
      if (!/^\*\*(Implements|Extends)\*\* /.test(first)) fail(`description does not start with what it implements: ${first.slice(0, 60)}`);
      if (!DOCUMENTS[dialect].test(first)) fail(`description does not name its document: ${first.slice(0, 100)}`);
      // A section of a public document is named as the document names it, in quotes.
      if (dialect !== 'producer' && !/"[^"]+"/.test(first)) fail(`description names no section: ${first}`);
      if (rest.join('').length < 40) fail('description says nothing beyond its first line');
      if (op.tags?.length !== 1 || op.tags[0] !== TAGS[dialect]) fail(`tags ${JSON.stringify(op.tags)}, not ["${TAGS[dialect]}"]`);
    });
    expect(failures).toEqual([]);
    expect(ids.size).toBe(operations.length);
  });

  it('documents every status a route can answer, with its headers', () => {
    const failures = everyOperation(({ method, path, op, dialect }, fail) => {
      const route = guards.get(`${method} ${path}`)!;
      const statuses = new Set(Object.keys(op.responses).map(Number));
      const has = (status: number, why: string) => statuses.has(status) || fail(`no ${status} (${why})`);
      const header = (status: number, name: string, required = true) => {
        const response = op.responses[status] && resolve<ResponseDoc>(doc, op.responses[status]!);
        const h = response && headersOf(response).get(name.toLowerCase());
        if (!h) fail(`${status} has no ${name} header`);
        else if (required && !h.required) fail(`${status}'s ${name} header is not required`);
      };

      // Every response but a WebSocket's 101 carries the request id, and (but a 500) always.
      for (const [status, response] of responsesOf(op)) {
        if (status === 101) continue;
        const id = headersOf(response).get('x-request-id');
        if (!id) fail(`${status} has no X-Request-Id header`);
        else if (status !== 500 && !id.required) fail(`${status}'s X-Request-Id is not required`);
        if (!response.description) fail(`${status} has no description`);
        if (status >= 400 && status !== 500) {
          const schema = response.content?.['application/json']?.schema as Schema | undefined;
          const expected = dialect === 'player' && status === 422 ? 'PlayerValidationError' : ERROR_SCHEMA[dialect];
          if (schema?.$ref !== `#/components/schemas/${expected}`) fail(`${status} body is not ${expected}`);
        }
      }
      if (!Object.keys(op.responses).some((s) => /^[12]/.test(s))) fail('no success response');

      // The dialect's 405 (http/method-not-allowed.ts) on every path, with Allow; a 500 anywhere.
      has(405, 'every dialect answers a method its path does not have');
      header(405, 'Allow');
      has(500, 'the database or a listener object may fail');
      // The route's own middleware (http/dialect.ts guard): limiter, body limit, auth, origin.
      if (route.rateLimitClass) {
        has(429, `guarded by the ${route.rateLimitClass} limiter`);
        header(429, 'Retry-After');
      } else if (statuses.has(429)) fail('429 documented but no limiter guards the route');
      if (op.requestBody) has(413, 'it takes a body');
      if (route.bodyLimit && method !== 'get') has(413, 'a body of any size may be sent, and the body limit guards the route');
      if (op.security?.length) {
        if (!route.auth) fail('secured in the document, but no authentication guards it');
        has(AUTH_FAILURE[dialect], 'it is secured');
      }
      if (dialect === 'player' && statuses.has(401)) fail('the player API never answers 401');
      if (route.listenerOrigin) {
        has(403, 'refuses pages of other origins');
        has(409, 'a user has at most so many listeners');
        has(503, 'a project has at most so many listeners');
      } else if (MOVING_WRITES.has(op.operationId!)) {
        has(503, 'the user’s inbox may be moving to another database');
        header(503, 'Retry-After', false);
      } else if (statuses.has(503)) fail('503 documented on a route that holds no listener and writes no user’s inbox');

      // ETag routes: the `page` limiter class (a 304 is not counted) answers conditional requests.
      const conditional = route.rateLimitClass === 'page';
      const ifNoneMatch = parametersOf(op).some((p) => p.in === 'header' && p.name.toLowerCase() === 'if-none-match');
      if (conditional !== statuses.has(304)) fail(`304 ${statuses.has(304) ? 'documented on a route without ETags' : 'missing'}`);
      if (statuses.has(304)) {
        if (!ifNoneMatch) fail('304 without an If-None-Match parameter');
        header(304, 'ETag');
        header(200, 'ETag');
      } else if (ifNoneMatch) fail('If-None-Match without a 304');

      // Writes say where they wrote (X-D1-Bookmark) on their success.
      if (route.rateLimitClass === 'write') {
        const success = Object.keys(op.responses).find((s) => /^2/.test(s))!;
        header(Number(success), 'X-D1-Bookmark', false);
      }
      // The client API's push channels resume from Last-Event-ID (EventSource sends it).
      if (dialect === 'client' && route.listenerOrigin && !parametersOf(op).some((p) => p.name === 'Last-Event-ID')) fail('no Last-Event-ID parameter');
    });
    expect(failures).toEqual([]);

    const get = (path: string, method = 'get') => doc.paths[path]![method]!;
    const header = (op: Operation, status: number, name: string) => headersOf(resolve<ResponseDoc>(doc, op.responses[status]!)).get(name.toLowerCase());
    expect(header(get('/api/v1/client/notifications'), 200, 'Stream-Cursor')).toBeDefined();
    expect(header(get('/v1/projects/{project}/notifications', 'post'), 201, 'Idempotent-Replayed')).toBeDefined();
    expect(header(get('/api/v1/client/notifications/stream'), 200, 'X-Accel-Buffering')?.required).toBe(true);
    expect(header(get('/notification/v1/player/{player_uuid}/stream/notification/lp'), 200, 'Content-Encoding')).toBeDefined();
    expect(Object.keys(get('/api/v1/client/notifications/ws').responses)).toContain('101');
  });

  it('documents the request headers and the parameters’ constraints as the code checks them', () => {
    const failures = everyOperation(({ path, op }, fail) => {
      const parameters = parametersOf(op);
      const names = parameters.map((p) => `${p.in}:${p.name.toLowerCase()}`);
      if (new Set(names).size !== names.length) fail(`a parameter twice: ${names.join(', ')}`);
      for (const name of ['x-request-id', 'x-d1-bookmark']) if (!names.includes(`header:${name}`)) fail(`no ${name} request header`);
      for (const p of parameters) {
        if (!p.schema) fail(`${p.name} has no schema`);
        if (p.in === 'path' && (!p.required || !path.includes(`{${p.name}}`))) fail(`path parameter ${p.name} not in ${path} or not required`);
        const name = p.name.toLowerCase();
        if (CURSORS.includes(name) && !((p.schema?.minLength ?? 0) >= 1 && (p.schema?.maxLength ?? Infinity) <= 512)) {
          fail(`${p.name} is a cursor: 1 to 512 characters (${JSON.stringify(p.schema)})`);
        }
        if (LIMITS.includes(name)) {
          const { type, minimum, maximum } = p.schema ?? {};
          if (type !== 'integer' || typeof minimum !== 'number' || typeof maximum !== 'number') fail(`${p.name} is a bounded integer (${JSON.stringify(p.schema)})`);
        }
        if (p.name === 'player_uuid') {
          const pattern = new RegExp(p.schema?.pattern ?? '^$');
          for (const ok of ['me', crypto.randomUUID(), crypto.randomUUID().toUpperCase()]) if (!pattern.test(ok)) fail(`player_uuid pattern refuses ${ok}`);
          for (const bad of ['', 'you', 'me2', '123', `${crypto.randomUUID()}x`]) if (pattern.test(bad)) fail(`player_uuid pattern accepts "${bad}"`);
        }
      }
    });
    expect(failures).toEqual([]);

    const params = (path: string, method = 'get') => parametersOf(doc.paths[path]![method]!).map((p) => p.name.toLowerCase());
    expect(params('/v1/projects/{project}/notifications', 'post')).toContain('idempotency-key');
    expect(params('/api/v1/client/notifications/stream')).toContain('last-event-id');
    expect(params('/api/v1/client/notifications/ws')).toEqual(expect.arrayContaining(['upgrade', 'last-event-id']));
  });

  it('has no dangling reference and every component it defines is used', () => {
    const text = JSON.stringify(doc);
    const refs = new Set([...text.matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!));
    for (const ref of refs) expect(() => resolve(doc, { $ref: ref }), ref).not.toThrow();
    for (const [kind, components] of Object.entries(doc.components)) {
      if (kind === 'securitySchemes') continue;
      for (const name of Object.keys(components)) {
        // The stream message is referenced from the stream routes' descriptions, not by $ref.
        if (name === 'ClientStreamMessage') continue;
        expect(refs.has(`#/components/${kind}/${name}`), `${kind}/${name} unused`).toBe(true);
      }
    }
  });
});
