// The demo (GET /, /demo/*) exists only where DEMO is on: `npm start` turns it on, a deployed Worker
// answers 404 unless its operator sets DEMO (wrangler.toml). Both ways, against the real Worker.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { isDemoPath } from '../../src/demo/paths';
import worker from '../../src/index';
import wranglerToml from '../../wrangler.toml?raw';
import { call } from '../helpers';

/** The Worker as deployed with DEMO set. */
async function withDemo(path: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const request = new Request(`http://inbox.test${path}`, init) as Parameters<typeof worker.fetch>[0];
  const response = await worker.fetch(request, { ...env, DEMO: 'on' }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

const post = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('the demo, off (the default: wrangler.toml DEMO = "")', () => {
  it.each([
    ['GET', '/'],
    ['GET', '/demo'],
    ['GET', '/demo/demo.js'],
    ['GET', '/sw.js'],
    ['POST', '/demo/token'],
    ['POST', '/demo/send'],
  ])('%s %s is 404 like any unknown path', async (method, path) => {
    expect(env.DEMO).toBe('');
    const response = await call(path, method === 'POST' ? post({ user: 'alice' }) : {});
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'not_found', message: `No route for ${method} ${path}` } });
  });
});

describe('which paths are the demo\'s', () => {
  // Deployed, static assets are answered before the Worker runs: only the paths run_worker_first lists reach
  // the Worker, which is what keeps the demo's page a 404 where the demo is off.
  it('run_worker_first in wrangler.toml lists exactly the paths the Worker treats as the demo\'s', () => {
    const listed = JSON.parse(wranglerToml.match(/^run_worker_first = (\[.*\])$/m)![1]!) as string[];
    expect(listed).toEqual(['/', '/sw.js', '/demo', '/demo/*']);
    const matches = (path: string) => listed.some((pattern) => (pattern.endsWith('/*') ? path.startsWith(pattern.slice(0, -1)) : path === pattern));
    for (const path of ['/', '/sw.js', '/demo', '/demo/', '/demo/index.html', '/demo/demo.js', '/demo/token', '/docs', '/demos', '/inbox/edge-inbox.js', '/inbox/sw.js', '/favicon.svg']) {
      expect([path, isDemoPath(path)]).toEqual([path, matches(path)]);
    }
  });
});

describe('the demo, on', () => {
  it('serves its page at / and its files under /demo', async () => {
    const page = await withDemo('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('<edge-inbox data-user="alice" app-badge push-worker="/sw.js"></edge-inbox>');
    expect(html).toContain('<link rel="manifest" href="/demo/manifest.webmanifest">');
    expect(html).toContain('<edge-inbox data-user="bob" push="off"></edge-inbox>');
    expect(html).toContain('<script type="module" src="/inbox/edge-inbox.js"></script>');

    const script = await withDemo('/demo/demo.js');
    expect(script.status).toBe(200);
    expect(await script.text()).toContain("fetch('/demo/token'");
    expect((await withDemo('/demo/nothing.js')).status).toBe(404);

    // Its service worker, at the root so that its scope covers the app's: the inbox's worker, imported.
    const worker = await withDemo('/sw.js');
    expect(worker.status).toBe(200);
    expect(worker.headers.get('content-type')).toMatch(/^(application|text)\/javascript/);
    expect(await worker.text()).toContain("importScripts('/inbox/sw.js');");
    const manifest = await withDemo('/demo/manifest.webmanifest');
    expect(manifest.headers.get('content-type')).toBe('application/manifest+json');
    expect(await manifest.json()).toMatchObject({ scope: '/', start_url: '/', display: 'standalone' });
  });

  it('mints a token for a demo user that the client API accepts', async () => {
    const response = await withDemo('/demo/token', post({ user: 'alice' }));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as { token: string };
    expect(body).toMatchObject({ user: 'alice', project: 'demo', orgs: ['acme'] });
    const { payload } = await jwtVerify(body.token, new TextEncoder().encode(env.JWT_SECRET));
    expect(payload).toMatchObject({ sub: 'alice', project: 'demo', orgs: ['acme'] });
    expect(payload.exp! - payload.iat!).toBe(12 * 3600);

    const counts = await call('/api/v1/client/notifications/counts', { headers: { authorization: `Bearer ${body.token}` } });
    expect(counts.status).toBe(200);
    expect(await counts.json()).toEqual({ total: expect.any(Number), pending: expect.any(Number) });
  });

  it('mints for its two users only', async () => {
    for (const user of ['mallory', '', 42, undefined]) {
      const response = await withDemo('/demo/token', post({ user }));
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        error: { code: 'invalid_parameter', message: 'user must be one of: alice, bob', parameter: 'user' },
      });
    }
    expect((await withDemo('/demo/token')).status).toBe(404);
  });

  it('sends through the producer API with the admin key, creating the demo project on first use', async () => {
    const title = `Demo send ${crypto.randomUUID()}`;
    const response = await withDemo('/demo/send', post({ to: [{ org: 'acme' }], title, priority: 'high' }));
    expect(response.status).toBe(201);
    const { notifications } = (await response.json()) as { notifications: { id: string; project_id: string; to: unknown; priority: string }[] };
    expect(notifications).toEqual([expect.objectContaining({ project_id: 'demo', to: { org: 'acme' }, title, priority: 'high' })]);

    const project = await call('/v1/projects/demo', { headers: { authorization: `Bearer ${env.ADMIN_API_KEY}` } });
    expect(project.status).toBe(200);

    const token = ((await (await withDemo('/demo/token', post({ user: 'alice' }))).json()) as { token: string }).token;
    const list = await call('/api/v1/client/notifications', { headers: { authorization: `Bearer ${token}` } });
    const { notifications: inbox } = (await list.json()) as { notifications: { id: string }[] };
    expect(inbox.map((n) => n.id)).toContain(notifications[0]!.id);
  });

  it('passes the producer API\'s refusals on', async () => {
    const response = await withDemo('/demo/send', post({ to: [{ user: 'bob' }] }));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { code: 'invalid_parameter', message: 'title: Field required', parameter: 'title' } });
  });

  it('refuses a body far larger than a notification, announced or not', async () => {
    const body = JSON.stringify({ to: [{ user: 'bob' }], title: 'x'.repeat(70_000) });
    const announced: Record<string, string>[] = [{ 'content-type': 'application/json', 'content-length': String(body.length) }, { 'content-type': 'application/json' }];
    for (const headers of announced) {
      const response = await withDemo('/demo/send', { method: 'POST', headers, body });
      expect(response.status).toBe(413);
      expect(await response.json()).toEqual({ error: { code: 'payload_too_large', message: 'The body is over 65536 bytes' } });
    }
  });

  it('answers a failure inside the demo with the API\'s 500, not a thrown request', async () => {
    const ctx = createExecutionContext();
    const request = new Request('http://inbox.test/demo/token', post({ user: 'alice' })) as Parameters<typeof worker.fetch>[0];
    // No signing secret: jose refuses to sign with an empty key.
    const response = await worker.fetch(request, { ...env, DEMO: 'on', JWT_SECRET: '' }, ctx);
    await waitOnExecutionContext(ctx);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: { code: 'internal_error', message: 'Internal error' } });
  });

  it('signs with the issuer and audience the Worker checks, when they are set', async () => {
    const ctx = createExecutionContext();
    const request = new Request('http://inbox.test/demo/token', post({ user: 'bob' })) as Parameters<typeof worker.fetch>[0];
    const response = await worker.fetch(request, { ...env, DEMO: 'on', JWT_ISSUER: 'https://issuer.example', JWT_AUDIENCE: 'inbox' }, ctx);
    await waitOnExecutionContext(ctx);
    const { token } = (await response.json()) as { token: string };
    const { payload } = await jwtVerify(token, new TextEncoder().encode(env.JWT_SECRET), { issuer: 'https://issuer.example', audience: 'inbox' });
    expect(payload).toMatchObject({ sub: 'bob', orgs: [] });
  });
});
