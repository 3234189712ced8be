import { and, eq, gte } from 'drizzle-orm';
import { audienceKey, type Audience } from './audience';
import type { Db } from './db';
import { DomainError, invalidParameter } from './errors';
import { fromRow, LIMITS, PRIORITIES, type Notification, type NotificationRow, type Priority } from './notifications';
import { offerPush, type Pusher } from './pusher';
import { announce, type Publisher } from './realtime';
import { idempotencyRecords } from './schema';

export interface NewNotification {
  audience: Audience;
  title: string;
  body?: string;
  category?: string | null;
  priority?: Priority;
  icon?: string | null;
  actionUrl?: string | null;
  serviceId?: string | null;
  originProject?: string | null;
  customData?: Record<string, unknown>;
  expiresAt?: number | null;
  /** The player API's `etag`: of the resource at the action URL when the notification was made. */
  resourceEtag?: string | null;
  /** Whether to push it to the recipients' browsers (issue 27); absent: the project's default. */
  push?: boolean;
}

/** What a caller answered the first time, replayed for a repeated Idempotency-Key. */
export interface StoredResponse {
  status: number;
  body: unknown;
}

export interface IdempotencyRequest {
  key: string;
  /** Fingerprint of the request; the same key with another request is refused, not replayed. */
  requestHash: string;
  /** The answer to record for replays, built before storing (it is recorded in the same batch). */
  respond: (created: Omit<Notification, 'seq'>[]) => StoredResponse;
}

export interface CreateOptions {
  idempotency?: IdempotencyRequest;
  /** Wakes the recipients' listeners once the notifications are stored. */
  publisher?: Publisher;
  /** Pushes them to the recipients' subscribed browsers once they are stored. */
  pusher?: Pusher;
}

export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

// One statement for the whole request, whatever the count (D1 allows 100 bound parameters, so the
// rows travel as one JSON parameter); the insert trigger moves each audience's inbox version. The
// sequences follow the newest stored one and the newest ever deleted (sequence_floors): never reused,
// without AUTOINCREMENT's extra row written per insert (migrations/0011). They are also at least the
// creation time in milliseconds × 1024 + the row's place in its create (`ordinal`, < 100): a hybrid clock,
// still strictly increasing in each database (streams resume by sequence), but the same in every database
// for the copies of a broadcast (core/copies.ts) unless one database was already past it, and in creation
// order across databases, so that a user's inbox keeps its order when it moves to another database.
// (Below 2^53 until the year 2248.)
export const SEQUENCE_TICKS_PER_MS = 1024;
const NEW_SEQUENCE = `max(max(coalesce((SELECT max(seq) FROM notifications), 0),
        coalesce((SELECT floor FROM sequence_floors WHERE name = 'notifications'), 0)) + key + 1,
      json_extract(value, '$.createdAt') * ${SEQUENCE_TICKS_PER_MS} + json_extract(value, '$.ordinal'))`;
const insertFromJson = (sequence: string, tail: string) => `
  INSERT INTO notifications (seq, id, project_id, audience, category, title, body, icon, action_url, priority,
    service_id, origin_project, custom_data, created_at, expires_at, resource_etag)
  SELECT ${sequence},
    json_extract(value, '$.id'), json_extract(value, '$.projectId'), json_extract(value, '$.audience'),
    json_extract(value, '$.category'), json_extract(value, '$.title'), json_extract(value, '$.body'),
    json_extract(value, '$.icon'), json_extract(value, '$.actionUrl'), json_extract(value, '$.priority'),
    json_extract(value, '$.serviceId'), json_extract(value, '$.originProject'), json_extract(value, '$.customData'),
    json_extract(value, '$.createdAt'), json_extract(value, '$.expiresAt'), json_extract(value, '$.resourceEtag')
  FROM json_each(?1) ${tail}
  RETURNING seq, id`;
const INSERT_FROM_JSON = insertFromJson(NEW_SEQUENCE, 'ORDER BY key');

/** The same insert for copies that may already be there (core/copies.ts): a copy written twice is one copy. */
export const INSERT_COPIES_FROM_JSON = insertFromJson(NEW_SEQUENCE, 'WHERE true ORDER BY key ON CONFLICT (id) DO NOTHING');

/**
 * Rows that keep the sequence they carry (`seq`: core/move.ts), skipped when their id is here already or another
 * notification holds that sequence (RETURNING says which went in).
 */
export const INSERT_KEEPING_SEQUENCES = insertFromJson("json_extract(value, '$.seq')", 'WHERE true ORDER BY key ON CONFLICT DO NOTHING');

export const FORGET_EXPIRED_KEY = 'DELETE FROM idempotency_records WHERE project_id = ?1 AND key = ?2 AND created_at < ?3';
export const RECORD_KEY = `INSERT INTO idempotency_records (project_id, key, request_hash, status, response, created_at)
  VALUES (?1, ?2, ?3, ?4, ?5, ?6)`;

/**
 * Stores notifications atomically (one statement, whatever the count; the insert trigger moves each
 * audience's inbox version in the same statement). With an idempotency key, the first response is
 * recorded in the same batch, and a repeat within 24 hours gets it back (`replay`) without storing
 * anything.
 */
export async function createNotifications(
  db: Db,
  projectId: string,
  inputs: readonly NewNotification[],
  { idempotency, publisher, pusher }: CreateOptions = {},
): Promise<{ created: Notification[]; replay?: StoredResponse }> {
  const now = Date.now();
  // A retry of a stored request gets the first answer, whatever has changed since (an expires_at
  // that has passed, a limit): so the record is looked up before the request is judged again.
  if (idempotency) {
    const replay = await storedResponse(db, projectId, idempotency, now);
    if (replay) return { created: [], replay };
  }
  if (inputs.length === 0 || inputs.length > LIMITS.perCreate) {
    throw invalidParameter('to', `Between 1 and ${LIMITS.perCreate} recipients per request`);
  }
  const rows = inputs.map((input) => toRow(projectId, input, now));
  const drafts = rows.map((row) => fromRow({ ...row, seq: 0 }));
  const d1 = db.$client;
  const insert = d1.prepare(INSERT_FROM_JSON).bind(JSON.stringify(withOrdinals(rows)));

  if (!idempotency) {
    const { results } = await insert.all<{ seq: number; id: string }>();
    await announce(publisher, projectId, rows.map((row) => row.audience));
    offerPush(pusher, projectId, drafts, inputs);
    return { created: withSequence(drafts, results) };
  }

  const { key, requestHash } = idempotency;
  const response = idempotency.respond(drafts);
  try {
    const [, , inserted] = await d1.batch<{ seq: number; id: string }>([
      d1.prepare(FORGET_EXPIRED_KEY).bind(projectId, key, now - IDEMPOTENCY_WINDOW_MS),
      // Fails on a key used within the window, which rolls back the whole batch.
      d1.prepare(RECORD_KEY).bind(projectId, key, requestHash, response.status, JSON.stringify(response.body), now),
      insert,
    ]);
    await announce(publisher, projectId, rows.map((row) => row.audience));
    offerPush(pusher, projectId, drafts, inputs);
    return { created: withSequence(drafts, inserted?.results ?? []) };
  } catch (error) {
    // A concurrent request with the same key stored first.
    const replay = isUniqueViolation(error) ? await storedResponse(db, projectId, idempotency, now) : undefined;
    if (!replay) throw error;
    return { created: [], replay };
  }
}

/** The first answer to this key within the window; a different request under the same key is refused. */
export async function storedResponse(db: Db, projectId: string, { key, requestHash }: IdempotencyRequest, now: number): Promise<StoredResponse | undefined> {
  const first = await db
    .select()
    .from(idempotencyRecords)
    .where(and(eq(idempotencyRecords.projectId, projectId), eq(idempotencyRecords.key, key), gte(idempotencyRecords.createdAt, now - IDEMPOTENCY_WINDOW_MS)))
    .get();
  if (!first) return undefined;
  if (first.requestHash !== requestHash) {
    throw new DomainError('idempotency_mismatch', 'This Idempotency-Key was already used with a different request');
  }
  return { status: first.status, body: JSON.parse(first.response) };
}

export function toRow(projectId: string, input: NewNotification, now: number): Omit<NotificationRow, 'seq'> {
  const title = input.title;
  const body = input.body ?? '';
  const customData = JSON.stringify(input.customData ?? {});
  const priority = input.priority ?? 'normal';
  if (title.length > LIMITS.title) throw invalidParameter('title', `title must be at most ${LIMITS.title} characters`);
  if (body.length > LIMITS.body) throw invalidParameter('body', `body must be at most ${LIMITS.body} characters`);
  if (new TextEncoder().encode(customData).length > LIMITS.customDataBytes) {
    throw invalidParameter('custom_data', `custom_data must be at most ${LIMITS.customDataBytes} bytes as JSON`);
  }
  if (!PRIORITIES.includes(priority)) throw invalidParameter('priority', `priority must be one of ${PRIORITIES.join(', ')}`);
  if (input.expiresAt != null && input.expiresAt <= now) {
    throw invalidParameter('expires_at', 'expires_at must be in the future');
  }
  return {
    id: crypto.randomUUID(),
    projectId,
    audience: audienceKey(input.audience),
    category: input.category ?? null,
    title,
    body,
    icon: input.icon ?? null,
    actionUrl: input.actionUrl ?? null,
    priority,
    serviceId: input.serviceId ?? null,
    originProject: input.originProject ?? null,
    customData,
    createdAt: now,
    expiresAt: input.expiresAt ?? null,
    resourceEtag: input.resourceEtag ?? null,
    archivedAt: null,
  };
}

/** Each row with its place in its create (the low part of its sequence, see INSERT_FROM_JSON). */
export const withOrdinals = <R extends object>(rows: readonly R[]): (R & { ordinal: number })[] => rows.map((row, ordinal) => ({ ...row, ordinal }));

export function withSequence(drafts: Omit<Notification, 'seq'>[], inserted: { seq: number; id: string }[]): Notification[] {
  const seqById = new Map(inserted.map((r) => [r.id, r.seq]));
  return drafts.map((d) => ({ ...d, seq: seqById.get(d.id) ?? 0 }));
}

export function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e.message.includes('UNIQUE constraint failed')) return true;
  }
  return false;
}
