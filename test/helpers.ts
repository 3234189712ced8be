import { env, exports } from 'cloudflare:workers';
import { importJWK, SignJWT } from 'jose';
import { purgeChanges } from '../src/core/changes';
import { openDb } from '../src/core/db';
import { playerRoomName, projectShard } from '../src/realtime/names';
import { listenerLimits } from '../src/realtime/settings';

export const ADMIN = { authorization: `Bearer ${env.ADMIN_API_KEY}` };

/** A request to the Worker exactly as a client would send it. */
export function call(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(`http://inbox.test${path}`, init));
}

export function postJson(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return call(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

export interface TokenClaims {
  sub: string;
  project?: string;
  orgs?: string[];
  permissions?: string[];
  [claim: string]: unknown;
}

/** An HS256 user token signed with the test JWT_SECRET, valid for an hour unless told otherwise. */
export async function userToken(claims: TokenClaims, options: { expiresIn?: string | number; secret?: string } = {}) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '1h')
    .sign(new TextEncoder().encode(options.secret ?? env.JWT_SECRET));
}

/** An ES256 user token signed with the key the test Worker trusts through JWT_JWKS. */
export async function es256Token(claims: TokenClaims, kid = 'test-es256') {
  const key = await importJWK(JSON.parse(env.TEST_PRIVATE_JWK), 'ES256');
  return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid }).setIssuedAt().setExpirationTime('1h').sign(key);
}

export async function asUser(claims: TokenClaims) {
  return { authorization: `Bearer ${await userToken(claims)}` };
}

let projectCounter = 0;

/** A fresh project and one of its keys, so tests in one file do not see each other's inboxes. */
export async function freshProject(prefix = 'p') {
  const id = `${prefix}-${Date.now().toString(36)}-${projectCounter++}`;
  const created = await postJson('/v1/projects', { id, name: id }, ADMIN);
  if (created.status !== 201) throw new Error(`project: ${created.status} ${await created.text()}`);
  const key = await postJson(`/v1/projects/${id}/keys`, { name: 'backend' }, ADMIN);
  const { key: secret } = (await key.json()) as { key: string };
  return { id, key: { authorization: `Bearer ${secret}` } };
}

export interface Created {
  id: string;
  title: string;
}

/** Creates notifications through the producer API and returns them in the order of `to`. */
export async function send(project: string, body: Record<string, unknown>, headers: Record<string, string> = ADMIN) {
  const res = await postJson(`/v1/projects/${project}/notifications`, { title: 'Hello', ...body }, headers);
  if (res.status !== 201) throw new Error(`send: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { notifications: Created[] }).notifications;
}

/** Waits until `check` holds (polling every 50 ms); fails after `timeoutMs`. Returns how long it took. */
export async function until(check: () => Promise<boolean>, timeoutMs = 5000): Promise<number> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - start;
}

/** The player's listener object (counts its slots, holds its sockets). */
export function playerRoomStub(project: string, player: string) {
  return env.PLAYER_LISTENERS.getByName(playerRoomName(project, player));
}

export function listenerCount(project: string, player: string): Promise<number> {
  return playerRoomStub(project, player).count();
}

/** The project-wide count of the shard this player is counted in (the test limits fit in one shard). */
export function projectListenerCount(project: string, player = ''): Promise<number> {
  return env.PROJECT_LISTENERS.getByName(projectShard(project, player, listenerLimits(env).perProject).name).count();
}

/**
 * Retention's purge of the whole change feed so far. It always keeps the newest entry (its sequence
 * must not come back, core/changes.ts), so one in no project is added after the ones to forget.
 */
export async function forgetEveryChange() {
  await env.DB.prepare(`INSERT INTO inbox_changes (project_id, audience, kind, notification_id, created_at) VALUES ('', '', 'deleted', '', 0)`).run();
  const db = openDb(env.DB);
  while ((await purgeChanges(db, Date.now() + 1000)) > 0);
}
