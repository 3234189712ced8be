import { SignJWT } from 'jose';
import type { Bindings } from '../env';

/**
 * The demo (GET /, /sw.js, /demo/*): a page with two users' inboxes and an operator panel, the tokens it needs, and
 * the sends it makes. It hands out tokens to anyone who asks, so it exists only where DEMO is "on"
 * (`npm start`); elsewhere these paths answer 404 like any unknown path.
 */
export const DEMO_PROJECT = 'demo';
export const DEMO_USERS: Record<string, { orgs: string[] }> = { alice: { orgs: ['acme'] }, bob: { orgs: [] } };
const TOKEN_HOURS = 12;
/** A notification of the panel is a few hundred bytes; the producer API's own limit is far above this. */
const SEND_LIMIT_BYTES = 64 * 1024;

export const demoEnabled = (env: Bindings) => ['on', 'true', '1'].includes((env.DEMO ?? '').trim().toLowerCase());

type Fallback = (request: Request) => Promise<Response>;

/** `fallback` answers whatever the demo does not: its 404 when the demo is off. */
export async function demoFetch(request: Request, env: Bindings, fallback: Fallback, sendToProducer: Fallback): Promise<Response> {
  if (!demoEnabled(env)) return fallback(request);
  try {
    return await serveDemo(request, env, fallback, sendToProducer);
  } catch (error) {
    // Outside the API apps, so outside their error handler: the same 500 they give, never a thrown request.
    console.error(JSON.stringify({ demo: new URL(request.url).pathname, error: error instanceof Error ? `${error.name}: ${error.message}` : 'unknown' }));
    return Response.json({ error: { code: 'internal_error', message: 'Internal error' } }, { status: 500 });
  }
}

async function serveDemo(request: Request, env: Bindings, fallback: Fallback, sendToProducer: Fallback): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === '/demo/token') return request.method === 'POST' ? mintToken(request, env) : fallback(request);
  if (url.pathname === '/demo/send') return request.method === 'POST' ? send(request, env, sendToProducer) : fallback(request);
  if (request.method !== 'GET' && request.method !== 'HEAD') return fallback(request);
  // The page lives at /demo/index.html among the assets; the newcomer's first stop is /. Its service worker is
  // served from / so that its scope covers the app's (public/demo/sw.js says why).
  const moved = url.pathname === '/' ? '/demo' : url.pathname === '/sw.js' ? '/demo/sw.js' : null;
  const asset = await env.ASSETS.fetch(moved ? new Request(new URL(moved, url), request) : request);
  return asset.status === 404 ? fallback(request) : asset;
}

/** POST /demo/token {"user": "alice"}: a token for one of the demo's users, in the demo project. */
async function mintToken(request: Request, env: Bindings): Promise<Response> {
  const { user } = ((await request.json().catch(() => ({}))) ?? {}) as { user?: unknown };
  const demoUser = typeof user === 'string' ? DEMO_USERS[user] : undefined;
  if (!demoUser) return invalidParameter('user', `user must be one of: ${Object.keys(DEMO_USERS).join(', ')}`);
  const jwt = new SignJWT({ sub: user as string, project: DEMO_PROJECT, orgs: demoUser.orgs });
  // What the Worker checks when the operator set it (http/auth.ts), or its own tokens would be refused.
  if (env.JWT_ISSUER) jwt.setIssuer(env.JWT_ISSUER);
  if (env.JWT_AUDIENCE) jwt.setAudience(env.JWT_AUDIENCE);
  const token = await jwt
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime(`${TOKEN_HOURS}h`)
    .sign(new TextEncoder().encode(env.JWT_SECRET));
  return Response.json({ token, user, project: DEMO_PROJECT, orgs: demoUser.orgs }, { headers: { 'cache-control': 'no-store' } });
}

/**
 * POST /demo/send: the operator panel's body, sent on as is to the producer API
 * (`POST /v1/projects/demo/notifications`) with the admin key, which never reaches the page. The demo project
 * is created on first use.
 */
async function send(request: Request, env: Bindings, producer: Fallback): Promise<Response> {
  // Refused before it is read when its length is announced; a body without one is measured once read.
  const tooLarge = () => Response.json({ error: { code: 'payload_too_large', message: `The body is over ${SEND_LIMIT_BYTES} bytes` } }, { status: 413 });
  if (Number(request.headers.get('content-length') ?? 0) > SEND_LIMIT_BYTES) return tooLarge();
  const body = await request.text();
  if (body.length > SEND_LIMIT_BYTES) return tooLarge();
  const origin = new URL(request.url).origin;
  const headers = { authorization: `Bearer ${env.ADMIN_API_KEY}`, 'content-type': 'application/json' };
  const create = () => producer(new Request(`${origin}/v1/projects/${DEMO_PROJECT}/notifications`, { method: 'POST', headers, body }));
  let response = await create();
  if (response.status === 404) {
    const project = await producer(
      new Request(`${origin}/v1/projects`, { method: 'POST', headers, body: JSON.stringify({ id: DEMO_PROJECT, name: 'Demo' }) }),
    );
    if (project.status === 201 || project.status === 409) response = await create();
  }
  return response;
}

/** The producer API's error body (the demo speaks for the operator). */
function invalidParameter(parameter: string, message: string): Response {
  return Response.json({ error: { code: 'invalid_parameter', message, parameter } }, { status: 400 });
}
