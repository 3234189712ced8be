import type { Db } from './db';
import { DomainError, invalidParameter } from './errors';
import { copyBroadcasts, copyUserInbox, dropInbox, type Budget } from './move';
import { databasesOf, parseEntry, sharesFor, virtualShard, type ShardMap } from './placement';
import { loadShardMap, saveShardMap, type MoveState, type StoredShardMap } from './shard-map';

// Adding a database while the service runs (issue 26, README "Scaling"). A move takes virtual shards from the
// fullest databases to the new one, in steps that the operator's command (scripts/shards.mjs) calls until done;
// each step does a bounded amount of work and records where it got to, so it can stop and resume anywhere.
//
//  1. mark: the shards read `A>B`. Their users are still served by A; what is sent to them or done by the operator
//     reaches A and B (core/stores.ts inboxesOf), every broadcast reaches B, and every isolate reads the map each
//     second. Nothing more happens until `settleMs` (longer than an isolate keeps a map) has passed.
//  2. seed (B new to the map): every broadcast is copied to B. The users' own writes are still taken, in A.
//  3. copy: from the save that enters it, the moving users' own writes are refused (503, http/inbox-db.ts
//     inboxForWrite); `freezeMs` later (every isolate has seen it, and a write it let through is over) each one's own
//     notifications and receipts are copied to B; then the shards flip to `B<A`: B serves them, their streams go on
//     there.
//  4. drop, `settleMs` after the flip (no request still reads A for them): their rows leave A, the shards read `B`.
//
// Copies that creates left pending (core/copies.ts) are written to the databases of the map of their completion, so
// a move needs not wait for them. A step holds a lease on the move (two callers at once would copy behind a flip).

export interface MovePlan {
  version: number;
  map: ShardMap;
  move: MoveState | null;
}

/** What one step did, and what the caller does next. */
export interface StepReport {
  phase: MoveState['phase'] | 'done';
  /** Wait this long before the next step (the isolates' maps are settling, or another step holds the move). */
  waitMs?: number;
  /** Why it waits, when it is not the maps. */
  blocked?: string;
  /** Users (or, seeding, broadcasts) this step copied or dropped. */
  progress?: number;
}

export interface MoveTimes {
  /** After the mark and after the flip: longer than an isolate keeps the map, and than a request runs. */
  settleMs: number;
  /** After the copy starts and before anything is copied: longer than an isolate keeps the map while a move is under way. */
  freezeMs: number;
  /** Statements a step may issue (STEP_STATEMENTS). */
  statements?: number;
}

/** One (project, user) with data in a database. */
interface UserKey {
  project: string;
  user: string;
}

/** Statements a step may issue: a Worker invocation may issue 1,000 D1 queries, and the step's own few come on top. */
const STEP_STATEMENTS = 600;
/** Users listed per read while looking for the moving ones. */
const SCAN = 500;
/** How long a step may hold the move: a step that died frees it after this. */
export const LEASE_MS = 60_000;

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
  const move: MoveState = { to, markedAt: now, phase: 'seed', ...(isNew && { seedFrom: shares[0]!.from }) };
  if (!(await saveShardMap(control, stored.version, map, move))) throw new DomainError('conflict', 'The shard map changed meanwhile: try again');
  return { version: stored.version + 1, map, move };
}

/** Does the next bounded piece of the move under way (none: `done`). `open` gives a database by binding (its primary). */
export async function stepMove(open: (binding: string) => Db, times: MoveTimes, now = Date.now()): Promise<StepReport> {
  const control = open('DB');
  const loaded = await loadShardMap(control);
  const { move } = loaded;
  if (!move) return { phase: 'done' };
  const until = (at: number): StepReport => ({ phase: move.phase, waitMs: at - now });
  if (move.lease !== undefined && move.lease > now) return { ...until(move.lease), blocked: 'another step of this move, still running' };
  if (now < move.markedAt + times.settleMs) return until(move.markedAt + times.settleMs);
  if (move.phase === 'copy' && move.frozenAt !== undefined && now < move.frozenAt + times.freezeMs) return until(move.frozenAt + times.freezeMs);
  if (move.phase === 'drop' && now < move.flippedAt! + times.settleMs) return until(move.flippedAt! + times.settleMs);
  // The lease: a step that loaded the map before this one saved it finds the version moved on, and stops.
  const claimed: MoveState = { ...move, lease: now + LEASE_MS };
  if (!(await saveShardMap(control, loaded.version, loaded.map, claimed))) return raced(move);
  const stored: StoredShardMap = { version: loaded.version + 1, map: loaded.map, move: claimed };
  const budget: Budget = { statements: times.statements ?? STEP_STATEMENTS };
  if (move.phase === 'seed') return seed(open, stored, move, budget);
  if (move.phase === 'copy') return copy(open, stored, move, budget);
  return drop(open, stored, move, budget);
}

/** Another step saved first (two callers at once): nothing lost, since every step's work can be done twice. */
const raced = (move: MoveState): StepReport => ({ phase: move.phase, waitMs: 0 });

/** Saves where the move got to, giving the lease back. */
const save = (control: Db, stored: StoredShardMap, map: ShardMap, move: MoveState | null): Promise<boolean> =>
  saveShardMap(control, stored.version, map, move && { ...move, lease: undefined });

async function seed(open: (binding: string) => Db, stored: StoredShardMap, move: MoveState, budget: Budget): Promise<StepReport> {
  const control = open('DB');
  // Seeded: the move copies its users from now (the save) on; their own writes are refused once every isolate knows (freezeMs).
  const copying = (): MoveState => ({ ...move, phase: 'copy', cursor: undefined, frozenAt: Date.now() });
  let after = move.cursor?.seq ?? 0;
  let copied = 0;
  while (move.seedFrom !== undefined && budget.statements > 0) {
    const done = await copyBroadcasts(open(move.seedFrom), open(move.to), after, budget);
    copied += done.copied;
    after = done.after;
    if (!done.done) continue;
    return (await save(control, stored, stored.map, copying())) ? { phase: 'copy', progress: copied } : raced(move);
  }
  if (move.seedFrom === undefined) return (await save(control, stored, stored.map, copying())) ? { phase: 'copy' } : raced(move);
  return (await save(control, stored, stored.map, { ...move, cursor: { seq: after } })) ? { phase: 'seed', progress: copied } : raced(move);
}

/** The sources of the shards moving to `move.to` (or just moved there), in a fixed order. */
const sourcesOf = (map: ShardMap, to: string, key: 'movingTo' | 'movedFrom') =>
  [
    ...new Set(
      map
        .map(parseEntry)
        .filter((entry) => (key === 'movingTo' ? entry.movingTo === to : entry.binding === to && entry.movedFrom !== undefined))
        .map((entry) => (key === 'movingTo' ? entry.binding : entry.movedFrom!)),
    ),
  ].sort();

async function copy(open: (binding: string) => Db, stored: StoredShardMap, move: MoveState, budget: Budget): Promise<StepReport> {
  const control = open('DB');
  const target = open(move.to);
  const moving = (source: string, { project, user }: UserKey) => stored.map[virtualShard(project, user)] === `${source}>${move.to}`;
  const walked = await walkUsers(open, sourcesOf(stored.map, move.to, 'movingTo'), move.cursor, budget, moving, (source, key, from) =>
    copyUserInbox(open(source), target, key.project, key.user, from, budget),
  );
  if (!walked.finished) {
    return (await save(control, stored, stored.map, { ...move, cursor: walked.cursor })) ? { phase: 'copy', progress: walked.done } : raced(move);
  }
  // Every moving user is in the target: it serves them from now on.
  const map = stored.map.map((entry) => {
    const { binding, movingTo } = parseEntry(entry);
    return movingTo === move.to ? `${movingTo}<${binding}` : entry;
  });
  // From the save on: the drop waits settleMs after it.
  return (await save(control, stored, map, { ...move, phase: 'drop', cursor: undefined, flippedAt: Date.now() })) ? { phase: 'drop', progress: walked.done } : raced(move);
}

async function drop(open: (binding: string) => Db, stored: StoredShardMap, move: MoveState, budget: Budget): Promise<StepReport> {
  const control = open('DB');
  const moved = (source: string, { project, user }: UserKey) => stored.map[virtualShard(project, user)] === `${move.to}<${source}`;
  const walked = await walkUsers(open, sourcesOf(stored.map, move.to, 'movedFrom'), move.cursor, budget, moved, async (source, key) => {
    budget.statements -= 6;
    await dropInbox(open(source), key.project, key.user);
    return { finished: true, after: 0 };
  });
  if (!walked.finished) {
    return (await save(control, stored, stored.map, { ...move, cursor: walked.cursor })) ? { phase: 'drop', progress: walked.done } : raced(move);
  }
  const map = stored.map.map((entry) => {
    const { binding, movedFrom } = parseEntry(entry);
    return binding === move.to && movedFrom !== undefined ? binding : entry;
  });
  return (await save(control, stored, map, null)) ? { phase: 'done', progress: walked.done } : raced(move);
}

/**
 * Calls `each` for the users of the sources (in order) that `selected` picks, from `cursor` on, until the step's
 * statements run low; says where it stopped (within a user: `seq`, where that user's copy goes on), or that every
 * source is done.
 */
async function walkUsers(
  open: (binding: string) => Db,
  sources: readonly string[],
  cursor: MoveState['cursor'],
  budget: Budget,
  selected: (source: string, key: UserKey) => boolean,
  each: (source: string, key: UserKey, from: number) => Promise<{ finished: boolean; after: number }>,
): Promise<{ finished: boolean; done: number; cursor?: MoveState['cursor'] }> {
  let done = 0;
  let index = cursor?.source === undefined ? 0 : Math.max(0, sources.indexOf(cursor.source));
  let after: UserKey = { project: cursor?.project ?? '', user: cursor?.user ?? '' };
  // A user whose copy stopped halfway: theirs first, from where it stopped.
  let partial = cursor?.seq !== undefined ? { key: { project: cursor.partialProject!, user: cursor.partialUser! }, from: cursor.seq } : undefined;
  while (index < sources.length) {
    const source = sources[index]!;
    budget.statements--;
    const keys = partial ? [partial.key] : await usersAfter(open(source), after, SCAN);
    for (const key of keys) {
      if (partial || selected(source, key)) {
        // Something for the next step to do (however small the budget, each step gets somewhere).
        if (budget.statements < 20 && done > 0) return { finished: false, done, cursor: { source, ...after } };
        const outcome = await each(source, key, partial?.from ?? 0);
        if (!outcome.finished) return { finished: false, done, cursor: { source, ...after, seq: outcome.after, partialProject: key.project, partialUser: key.user } };
        done++;
      }
      after = key;
    }
    if (partial) {
      partial = undefined;
      continue;
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
