import { completeCopies } from './copies';
import type { Db } from './db';
import { DomainError, invalidParameter } from './errors';
import { copyBroadcasts, copyUserInbox, dropInbox } from './move';
import { databasesOf, parseEntry, sharesFor, virtualShard, type ShardMap } from './placement';
import { loadShardMap, saveShardMap, type MoveState, type StoredShardMap } from './shard-map';
import { storesOver } from './stores';

// Adding a database while the service runs (issue 26, README "Scaling"). A move takes virtual shards from the
// fullest databases to the new one, in steps that the operator's command (scripts/shards.mjs) calls until done;
// each step does a bounded amount of work and records where it got to, so it can stop and resume anywhere.
//
//  1. mark: the shards read `A>B`. Their users are still served by A; their acknowledges and reads are refused
//     (503, http/inbox-db.ts inboxForWrite); what is sent to them or done by the operator reaches A and B; every
//     broadcast reaches B. Nothing is copied until `settleMs` (longer than an isolate keeps a map) has passed.
//  2. seed (B new to the map): the copies still pending are completed, then every broadcast is copied to B.
//  3. copy: each moving user's own notifications and receipts are copied to B, then the shards flip to `B<A`:
//     B serves them (isolates read the map every second while a move is under way), streams go on there.
//  4. drop, `settleMs` after the flip (no request still reads A for them): their rows leave A, the shards read `B`.

export interface MovePlan {
  version: number;
  map: ShardMap;
  move: MoveState | null;
}

/** What one step did, and what the caller does next. */
export interface StepReport {
  phase: MoveState['phase'] | 'done';
  /** Wait this long before the next step (the isolates' maps are settling, or a database fails). */
  waitMs?: number;
  /** Why it waits, when it is not the maps: what the operator may have to look at. */
  blocked?: string;
  /** Users (or, seeding, broadcasts) this step copied or dropped. */
  progress?: number;
}

/** One (project, user) with data in a database. */
interface UserKey {
  project: string;
  user: string;
}

/** Users per step: each costs a few statements (a Worker invocation may issue 1,000). */
const USERS_PER_STEP = 40;
/** Broadcast batches (of 100) per seeding step. */
const SEED_BATCHES_PER_STEP = 20;
/** Users listed per read while looking for the moving ones. */
const SCAN = 500;

/**
 * Marks the shards that `to` takes (its even share, or `count` of them) as moving to it. Idempotent: while a
 * move to `to` is under way, answers it; a move to another database is a conflict.
 */
export async function startMove(control: Db, declared: readonly string[], to: string, count: number | undefined, now = Date.now()): Promise<MovePlan> {
  if (!declared.includes(to)) throw invalidParameter('to', `${to} is not a D1 binding of this Worker (declare it in wrangler.toml and deploy first)`);
  const stored = await loadShardMap(control);
  if (stored.move) {
    if (stored.move.to === to) return stored;
    throw new DomainError('conflict', `A move to ${stored.move.to} is under way: finish it first`);
  }
  const shares = sharesFor(stored.map, to).slice(0, count ?? Number.POSITIVE_INFINITY);
  if (shares.length === 0) return stored;
  const map = [...stored.map];
  for (const { shard, from } of shares) map[shard] = `${from}>${to}`;
  const isNew = !databasesOf(stored.map).includes(to);
  const move: MoveState = { to, markedAt: now, phase: isNew ? 'seed' : 'copy', ...(isNew && { seedFrom: shares[0]!.from }) };
  if (!(await saveShardMap(control, stored.version, map, move))) throw new DomainError('conflict', 'The shard map changed meanwhile: try again');
  return { version: stored.version + 1, map, move };
}

/** Does the next bounded piece of the move under way (none: `done`). `open` gives a database by binding. */
export async function stepMove(open: (binding: string) => Db, settleMs: number, now = Date.now()): Promise<StepReport> {
  const control = open('DB');
  const stored = await loadShardMap(control);
  const { move } = stored;
  if (!move) return { phase: 'done' };
  if (now < move.markedAt + settleMs) return { phase: move.phase, waitMs: move.markedAt + settleMs - now };
  if (move.phase === 'seed') return seed(open, stored, move);
  if (move.phase === 'copy') return copy(open, stored, move, now);
  if (now < move.flippedAt! + settleMs) return { phase: 'drop', waitMs: move.flippedAt! + settleMs - now };
  return drop(open, stored, move);
}

/** Another step saved first (two callers at once): nothing lost, since every step's work can be done twice. */
const raced = (move: MoveState): StepReport => ({ phase: move.phase, waitMs: 0 });

const save = (control: Db, stored: StoredShardMap, map: ShardMap, move: MoveState | null): Promise<boolean> => saveShardMap(control, stored.version, map, move);

async function seed(open: (binding: string) => Db, stored: StoredShardMap, move: MoveState): Promise<StepReport> {
  const control = open('DB');
  if (move.cursor === undefined) {
    // A broadcast recorded before the mark lists the databases of that time: written everywhere first, it is then seeded with the rest.
    const stores = storesOver(stored.map, open);
    for (let left = 1, rounds = 0; left > 0; rounds++) {
      if (rounds === 5) return { phase: 'seed', waitMs: 5_000, blocked: `${left} notifications still wait for a database that fails (see the copies_still_pending logs)` };
      left = (await completeCopies(stores, { limit: 100 })).pending;
    }
  }
  const source = open(move.seedFrom!);
  const target = open(move.to);
  let after = move.cursor?.seq ?? 0;
  let copied = 0;
  for (let batch = 0; batch < SEED_BATCHES_PER_STEP; batch++) {
    const done = await copyBroadcasts(source, target, after);
    copied += done.copied;
    after = done.after;
    if (done.done) {
      if (!(await save(control, stored, stored.map, { ...move, phase: 'copy', cursor: undefined }))) return raced(move);
      return { phase: 'copy', progress: copied };
    }
  }
  if (!(await save(control, stored, stored.map, { ...move, cursor: { seq: after } }))) return raced(move);
  return { phase: 'seed', progress: copied };
}

/** The sources of the shards moving to `move.to`, in a fixed order. */
const sourcesOf = (map: ShardMap, to: string, key: 'movingTo' | 'movedFrom') =>
  [...new Set(map.map(parseEntry).filter((entry) => (key === 'movingTo' ? entry.movingTo === to : entry.binding === to && entry.movedFrom !== undefined)).map((entry) => (key === 'movingTo' ? entry.binding : entry.movedFrom!)))].sort();

async function copy(open: (binding: string) => Db, stored: StoredShardMap, move: MoveState, now: number): Promise<StepReport> {
  const control = open('DB');
  const target = open(move.to);
  const moving = (source: string, { project, user }: UserKey) => stored.map[virtualShard(project, user)] === `${source}>${move.to}`;
  const walked = await walkUsers(open, sourcesOf(stored.map, move.to, 'movingTo'), move.cursor, moving, (source, key) => copyUserInbox(open(source), target, key.project, key.user));
  if (!walked.finished) {
    if (!(await save(control, stored, stored.map, { ...move, cursor: walked.cursor }))) return raced(move);
    return { phase: 'copy', progress: walked.done };
  }
  // Every moving user is in the target: it serves them from now on.
  const map = stored.map.map((entry) => {
    const { binding, movingTo } = parseEntry(entry);
    return movingTo === move.to ? `${movingTo}<${binding}` : entry;
  });
  if (!(await save(control, stored, map, { ...move, phase: 'drop', cursor: undefined, flippedAt: now }))) return raced(move);
  return { phase: 'drop', progress: walked.done };
}

async function drop(open: (binding: string) => Db, stored: StoredShardMap, move: MoveState): Promise<StepReport> {
  const control = open('DB');
  const moved = (source: string, { project, user }: UserKey) => stored.map[virtualShard(project, user)] === `${move.to}<${source}`;
  const walked = await walkUsers(open, sourcesOf(stored.map, move.to, 'movedFrom'), move.cursor, moved, (source, key) => dropInbox(open(source), key.project, key.user));
  if (!walked.finished) {
    if (!(await save(control, stored, stored.map, { ...move, cursor: walked.cursor }))) return raced(move);
    return { phase: 'drop', progress: walked.done };
  }
  const map = stored.map.map((entry) => {
    const { binding, movedFrom } = parseEntry(entry);
    return binding === move.to && movedFrom !== undefined ? binding : entry;
  });
  if (!(await save(control, stored, map, null))) return raced(move);
  return { phase: 'done', progress: walked.done };
}

/**
 * Calls `each` for the users of the sources (in order) that `selected` picks, from `cursor` on, at most
 * USERS_PER_STEP of them; says where it stopped, or that every source is done.
 */
async function walkUsers(
  open: (binding: string) => Db,
  sources: readonly string[],
  cursor: MoveState['cursor'],
  selected: (source: string, key: UserKey) => boolean,
  each: (source: string, key: UserKey) => Promise<unknown>,
): Promise<{ finished: boolean; done: number; cursor?: MoveState['cursor'] }> {
  let done = 0;
  let index = cursor?.source === undefined ? 0 : sources.indexOf(cursor.source);
  let after: UserKey = cursor?.source === undefined || index < 0 ? { project: '', user: '' } : { project: cursor.project ?? '', user: cursor.user ?? '' };
  if (index < 0) index = 0;
  while (index < sources.length) {
    const source = sources[index]!;
    const keys = await usersAfter(open(source), after, SCAN);
    for (const key of keys) {
      if (selected(source, key)) {
        if (done === USERS_PER_STEP) return { finished: false, done, cursor: { source, ...after } };
        await each(source, key);
        done++;
      }
      after = key;
    }
    if (keys.length === SCAN) continue;
    index++;
    after = { project: '', user: '' };
  }
  return { finished: true, done };
}

/**
 * The users with anything in this database (their own notifications, receipts, acknowledge-alls), in (project,
 * user) order: each table's keys read from `after` on, at most `limit` of each, so a step reads what it lists.
 */
async function usersAfter(db: Db, after: UserKey, limit: number): Promise<UserKey[]> {
  const keyed = (table: string) =>
    `SELECT * FROM (SELECT DISTINCT project_id, user_id FROM ${table} WHERE (project_id, user_id) > (?1, ?2) ORDER BY project_id, user_id LIMIT ?3)`;
  const { results } = await db.$client
    .prepare(
      `SELECT project_id AS project, user_id AS user FROM (
         SELECT * FROM (SELECT project_id, substr(audience, 3) AS user_id FROM inbox_versions
           WHERE (project_id, audience) > (?1, 'u:' || ?2) AND audience >= 'u:' AND audience < 'u;' ORDER BY project_id, audience LIMIT ?3)
         UNION ${keyed('receipts')} UNION ${keyed('acknowledged_through')} UNION ${keyed('user_counts')})
       ORDER BY project_id, user_id LIMIT ?3`,
    )
    .bind(after.project, after.user, limit)
    .all<UserKey>();
  return results;
}
