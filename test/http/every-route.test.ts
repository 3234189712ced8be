import { beforeAll, describe, expect, it } from 'vitest';
import { Conformance, type Document } from '../api/openapi-conformance';
import { ADMIN, asUser, call, freshProject, send } from '../helpers';

// Every route the OpenAPI document lists, with hostile values in every path and query parameter
// (and duplicated query parameters) and hostile bodies: never a 5xx, never a stack in the body,
// and every answer one the document describes (status, headers, body: test/api/openapi-conformance.ts).

interface Operation {
  parameters?: { name: string; in: 'path' | 'query' | 'header' }[];
  requestBody?: unknown;
}

const HOSTILE = [
  '',
  'x'.repeat(10_000),
  "'; DROP TABLE notifications; --",
  '../../etc/passwd',
  '%FF%FE%00', // invalid UTF-8 and a NUL, percent-encoded as a client would send them
  '{"$gt":""}',
  '-1',
  '1e309',
  'null',
];
const BODIES: (string | Uint8Array)[] = ['', 'not json', '[]', '{"unknown":true}', '{"title":[1,2]}', new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x7d])];

let project = '';
let id = '';
const player = crypto.randomUUID();

beforeAll(async () => {
  ({ id: project } = await freshProject('every'));
  id = (await send(project, { to: [{ user: player }], title: 'baseline' }))[0]!.id;
});

/** A valid value per path parameter, so that each variant changes one thing. */
function baseline(name: string): string {
  if (/project/.test(name)) return project;
  if (/player|user/i.test(name)) return player;
  if (/client/.test(name)) return 'org';
  return id;
}

let users = 0;
/** A fresh user per request (the rate limits are per user); API-key routes use the admin key. */
async function credentials(path: string): Promise<Record<string, string>> {
  if (path.startsWith('/v1/') || path.startsWith('/api/v1/project')) return ADMIN;
  // Streams hold listener slots for a moment after they close: each opens in a project of its own.
  const own = path.endsWith('/stream') || path.endsWith('/ws') ? `hostile-${users}` : project;
  return asUser({ sub: path.startsWith('/notification/') ? player : `hostile-${users++}`, project: own, orgs: ['org'], permissions: ['notification:player:*'] });
}

async function attempt(method: string, url: string, headers: Record<string, string>, body?: string | Uint8Array): Promise<[number, string, Response]> {
  for (let tries = 0; ; tries++) {
    const res = await call(url, { method, headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' }, body });
    if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
      await res.body!.cancel();
      return [res.status, '', res];
    }
    if (res.webSocket) {
      res.webSocket.accept();
      res.webSocket.close(1000);
      return [res.status, '', res];
    }
    const text = await res.text();
    // The admin key's write budget is shared by every variant here: wait for the next window.
    if (res.status === 429 && tries < 15) {
      await new Promise((r) => setTimeout(r, 1000));
      continue;
    }
    return [res.status, text, res];
  }
}

describe('every route, hostile values', () => {
  it('answers 4xx (or a plain 2xx) and never a 5xx or a stack', async () => {
    const doc = (await (await call('/openapi.json')).json()) as { paths: Record<string, Record<string, Operation>> };
    const conformance = new Conformance(doc as unknown as Document);
    const failures: string[] = [];
    const undocumented: string[] = [];
    let requests = 0;
    for (const [template, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        const pathParams = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
        const queryParams = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
        const fill = (name: string, value: string) =>
          template.replace(/\{(\w+)\}/g, (_, p: string) => (p === name ? (value.startsWith('%') ? value : encodeURIComponent(value)) : baseline(p)));
        // Long polls answer at once and streams are closed as soon as they open.
        const base = template.endsWith('/lp') ? '?deadline=0' : '';
        const variants: [string, (string | Uint8Array)?][] = [];
        for (const name of pathParams) for (const value of HOSTILE) variants.push([fill(name, value) + base]);
        const valid = fill('', '');
        for (const name of queryParams) {
          for (const value of HOSTILE) {
            const v = value.startsWith('%') ? value : encodeURIComponent(value);
            variants.push([`${valid}${base ? `${base}&` : '?'}${name}=${v}`]);
          }
          variants.push([`${valid}${base ? `${base}&` : '?'}${name}=1&${name}=2`]);
        }
        if (op.requestBody) for (const body of BODIES) variants.push([valid + base, body]);
        for (const [url, body] of variants) {
          const headers = await credentials(template);
          const [status, text, res] = await attempt(method.toUpperCase(), url, template.endsWith('/ws') ? { ...headers, upgrade: 'websocket' } : headers, body);
          requests++;
          const label = `${method.toUpperCase()} ${url.slice(0, 100)}${body === undefined ? '' : ` body=${String(body).slice(0, 20)}`}: ${status}`;
          if (status >= 500 || /at .*\.(ts|js):\d+|stack/i.test(text)) failures.push(label);
          // An empty path parameter makes a path the document does not have (the catch-all 404).
          const streamed = res.webSocket || res.headers.get('content-type')?.startsWith('text/event-stream');
          if (conformance.template(new URL(url, 'http://inbox.test').pathname)) {
            undocumented.push(...conformance.check(method.toUpperCase(), url, res, streamed ? undefined : text).problems);
          }
        }
      }
    }
    expect(failures).toEqual([]);
    expect(undocumented).toEqual([]);
    expect(requests).toBeGreaterThan(300);
  }, 180_000);
});
