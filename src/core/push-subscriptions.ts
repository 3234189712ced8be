import type { Db } from './db';
import { DomainError } from './errors';
import type { UserPrincipal } from './principal';
import { EVERYONE } from './audience';
import { checkEndpoint, checkKeys, type EndpointRules } from './push-endpoint';

// Web Push subscriptions (issue 27): what a browser's PushSubscription registers, per project and user, in the
// control database. Written when a device turns push on (and again when it starts, which moves `registered_at`),
// read by the push queue's consumer (src/push) when a notification is created, never by a poll.

/** A user's subscriptions past this many: the least recently registered goes. */
export const MAX_SUBSCRIPTIONS_PER_USER = 10;

export interface NewSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
  /** The browser's `expirationTime` (ms), if any. */
  expirationTime?: number | null;
}

export interface Subscription {
  id: string;
  projectId: string;
  userId: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  createdAt: number;
  registeredAt: number;
  expiresAt: number | null;
}

/** A subscription's columns, from `push_subscriptions s`. */
const COLUMNS = `s.id, s.project_id AS projectId, s.user_id AS userId, s.endpoint, s.p256dh, s.auth, s.created_at AS createdAt,
  s.registered_at AS registeredAt, s.expires_at AS expiresAt`;

/**
 * Registers (or registers again) a browser's subscription for this user: one endpoint is one row per project, so
 * a browser that another user signs in on is theirs from now on, never both. Past the bound the oldest goes.
 */
export async function registerSubscription(
  db: Db,
  user: UserPrincipal,
  input: NewSubscription,
  rules: EndpointRules,
  now = Date.now(),
): Promise<{ subscription: Subscription; created: boolean }> {
  checkEndpoint(input.endpoint, rules);
  await checkKeys(input.keys);
  const d1 = db.$client;
  const id = crypto.randomUUID();
  const orgs = JSON.stringify([...new Set(user.orgs)].sort());
  // registered_at goes up with each registration of the user's, even within a millisecond: "the oldest" is never a tie.
  const [upserted] = await d1.batch<Subscription>([
    d1
      .prepare(
        `INSERT INTO push_subscriptions (id, project_id, user_id, endpoint, p256dh, auth, orgs, created_at, registered_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,
           max(?8, coalesce((SELECT max(registered_at) FROM push_subscriptions WHERE project_id = ?2 AND user_id = ?3), 0) + 1), ?9)
         ON CONFLICT (project_id, endpoint) DO UPDATE SET user_id = excluded.user_id, p256dh = excluded.p256dh, auth = excluded.auth,
           orgs = excluded.orgs, registered_at = excluded.registered_at, expires_at = excluded.expires_at
         RETURNING ${COLUMNS.replaceAll('s.', '')}`,
      )
      .bind(id, user.projectId, user.userId, input.endpoint, input.keys.p256dh, input.keys.auth, orgs, now, input.expirationTime ?? null),
    d1
      .prepare(
        `DELETE FROM push_subscriptions WHERE project_id = ?1 AND user_id = ?2 AND id NOT IN
           (SELECT id FROM push_subscriptions WHERE project_id = ?1 AND user_id = ?2 ORDER BY registered_at DESC, id DESC LIMIT ?3)`,
      )
      .bind(user.projectId, user.userId, MAX_SUBSCRIPTIONS_PER_USER),
  ]);
  const subscription = upserted!.results[0]!;
  return { subscription, created: subscription.id === id };
}

/** Whether the project has any subscription (one row read at most). */
export async function projectHasSubscriptions(db: Db, projectId: string): Promise<boolean> {
  return (await db.$client.prepare('SELECT 1 AS one FROM push_subscriptions WHERE project_id = ?1 LIMIT 1').bind(projectId).first()) !== null;
}

/** This user's subscriptions, newest registration first. */
export async function listSubscriptions(db: Db, user: UserPrincipal): Promise<Subscription[]> {
  const { results } = await db.$client
    .prepare(`SELECT ${COLUMNS} FROM push_subscriptions s WHERE s.project_id = ?1 AND s.user_id = ?2 ORDER BY s.registered_at DESC, s.id DESC`)
    .bind(user.projectId, user.userId)
    .all<Subscription>();
  return results;
}

/** Removes this user's subscription of that endpoint; another user's or an unknown one is a 404. */
export async function removeSubscription(db: Db, user: UserPrincipal, endpoint: string): Promise<void> {
  const { meta } = await db.$client
    .prepare('DELETE FROM push_subscriptions WHERE project_id = ?1 AND endpoint = ?2 AND user_id = ?3')
    .bind(user.projectId, endpoint, user.userId)
    .run();
  if (meta.changes === 0) throw new DomainError('not_found', 'You have no push subscription with this endpoint');
}

/** Subscriptions a push service said are gone (404/410). */
export async function removeGone(db: Db, projectId: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.$client
    .prepare('DELETE FROM push_subscriptions WHERE project_id = ?1 AND id IN (SELECT value FROM json_each(?2))')
    .bind(projectId, JSON.stringify(ids))
    .run();
}

/**
 * Where an audience's subscriptions are: a user's own, an organisation's members' (as their tokens said when they
 * registered), or the whole project's. `?1` is the project, `?2` the user or organisation.
 */
function audienceSource(audience: string): { from: string; where: string; key: string | null } {
  if (audience === EVERYONE) return { from: 'push_subscriptions s', where: 's.project_id = ?1 AND ?2 IS NULL', key: null };
  if (audience.startsWith('u:')) return { from: 'push_subscriptions s', where: 's.project_id = ?1 AND s.user_id = ?2', key: audience.slice(2) };
  return {
    from: 'push_subscription_orgs o JOIN push_subscriptions s ON s.id = o.subscription_id',
    where: 'o.project_id = ?1 AND o.org_id = ?2',
    key: audience.slice(2),
  };
}

/** The ids of an audience's subscriptions after `after`, in id order: a page of a broadcast's fan-out. */
export async function audienceIds(db: Db, projectId: string, audience: string, after: string, limit: number): Promise<string[]> {
  const { from, where, key } = audienceSource(audience);
  const { results } = await db.$client
    .prepare(`SELECT s.id FROM ${from} WHERE ${where} AND s.id > ?3 ORDER BY s.id LIMIT ?4`)
    .bind(projectId, key, after, limit)
    .all<{ id: string }>();
  return results.map((row) => row.id);
}

/** Subscriptions looked up by id at once: D1 binds at most 100 parameters, two of which are the project and audience. */
export const MAX_IDS_PER_LOOKUP = 90;

/**
 * These subscriptions, if they still belong to the audience (one may have been removed, or signed in to by
 * another user, since its id was read): all of the audience's when `ids` is absent. With ids (at most
 * MAX_IDS_PER_LOOKUP), each is looked up by its key: a row read per subscription (two for an organisation's), whatever
 * the audience's size.
 */
export async function audienceSubscriptions(db: Db, projectId: string, audience: string, ids?: readonly string[]): Promise<Subscription[]> {
  if (ids && ids.length > MAX_IDS_PER_LOOKUP) throw new Error(`at most ${MAX_IDS_PER_LOOKUP} subscriptions per lookup`);
  if (ids?.length === 0) return [];
  const { from, where, key } = audienceSource(audience);
  const query = ids
    ? `SELECT ${COLUMNS} FROM push_subscriptions s WHERE s.id IN (${ids.map((_, i) => `?${i + 3}`).join(', ')})
       AND s.project_id = ?1 AND ${audienceCheck(audience)}`
    : `SELECT ${COLUMNS} FROM ${from} WHERE ${where}`;
  const { results } = await db.$client
    .prepare(query)
    .bind(projectId, key, ...(ids ?? []))
    .all<Subscription>();
  return results;
}

/** Whether subscription `s` hears the audience (`?1` the project, `?2` the user or organisation). */
function audienceCheck(audience: string): string {
  if (audience === EVERYONE) return '?2 IS NULL';
  if (audience.startsWith('u:')) return 's.user_id = ?2';
  return 'EXISTS (SELECT 1 FROM push_subscription_orgs o WHERE o.project_id = ?1 AND o.org_id = ?2 AND o.subscription_id = s.id)';
}
