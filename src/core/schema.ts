import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

// Times are integer milliseconds since the epoch; each dialect formats them its own way.

export const projects = sqliteTable('projects', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  createdAt: integer('created_at').notNull(),
  // Whether a notification is pushed to its recipients' browsers when its producer does not say (issue 27).
  push: integer('push', { mode: 'boolean' }).notNull().default(true),
});

export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    name: text('name').notNull(),
    // SHA-256 of the key, hex. The key itself is shown once and never stored.
    keyHash: text('key_hash').notNull(),
    createdAt: integer('created_at').notNull(),
    revokedAt: integer('revoked_at'),
  },
  (t) => [uniqueIndex('api_keys_hash').on(t.keyHash)],
);

export const notifications = sqliteTable(
  'notifications',
  {
    // The sequence: every order, cursor and resume point rides on it. Never reused, without
    // AUTOINCREMENT's extra row per insert: creates number above max(seq) and sequence_floors (migrations/0011).
    seq: integer('seq').primaryKey(),
    id: text('id').notNull(),
    projectId: text('project_id').notNull(),
    // One column for the audience so that an inbox is one index range per audience (see core/audience.ts).
    audience: text('audience').notNull(),
    category: text('category'),
    title: text('title').notNull(),
    body: text('body').notNull(),
    icon: text('icon'),
    actionUrl: text('action_url'),
    priority: text('priority').notNull(),
    serviceId: text('service_id'),
    originProject: text('origin_project'),
    customData: text('custom_data').notNull().default('{}'),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at'),
    resourceEtag: text('resource_etag'),
    // Archived by the operator (seeds/003): gone from every inbox, still listed for the operator.
    archivedAt: integer('archived_at'),
    // 1 once the one user a user-addressed notification is for has acknowledged it (kept by a receipt
    // trigger, migrations/0009); always null for organisations and everyone, whose state is per user.
    acked: integer('acked'),
  },
  (t) => [
    uniqueIndex('notifications_id').on(t.id),
    index('notifications_inbox').on(t.projectId, t.audience, t.seq),
    // The operator's project-wide list (seeds/003), in (created_at, id) order: the one order that every
    // database of a sharded deployment shares (sequences are per database), so pages merge across them.
    index('notifications_project_time').on(t.projectId, t.createdAt, t.id),
    // The next expiry of an audience is one index seek (ETags carry it); partial, like the next two.
    index('notifications_expiry').on(t.projectId, t.audience, t.expiresAt).where(sql`expires_at IS NOT NULL`),
    // Retention (core/retention.ts) finds what to purge across projects; partial, so only expiring
    // or archived notifications pay for them.
    index('notifications_expires_at').on(t.expiresAt).where(sql`expires_at IS NOT NULL`),
    index('notifications_archived_at').on(t.archivedAt).where(sql`archived_at IS NOT NULL`),
    // A user's pending own notifications as one index range: `status=pending` pages do not walk
    // past the ones they acknowledged.
    index('notifications_unacked').on(t.projectId, t.audience, t.seq).where(sql`acked IS NULL`),
  ],
);

// A user's own state of one notification. Written only when the user touches it, so a broadcast
// to a million users is still one notification row. WITHOUT ROWID (migrations/0011): the key is the row.
export const receipts = sqliteTable(
  'receipts',
  {
    projectId: text('project_id').notNull(),
    userId: text('user_id').notNull(),
    notificationId: text('notification_id').notNull(),
    seenAt: integer('seen_at'),
    readAt: integer('read_at'),
    acknowledgedAt: integer('acknowledged_at'),
    archivedAt: integer('archived_at'),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.userId, t.notificationId] }),
    index('receipts_notification').on(t.notificationId),
  ],
);

// One row per audience, read by every poll (one row each: the table is WITHOUT ROWID, see
// migrations/0006): `version` moves whenever the audience's notifications change (stored, archived,
// deleted); on a user's own row (`u:<user>`), `read_version` and `ack_version` move when that user's
// read or acknowledged state changes, so a tag depends only on the state its response shows. `live`
// counts stored, unarchived notifications and `next_expiry` is the earliest `expires_at` among them
// (possibly past), so totals and ETag lifetimes need no scan. Kept by the triggers of
// migrations/0009_one_trigger_per_event.sql, so that no write path can forget them.
export const inboxVersions = sqliteTable(
  'inbox_versions',
  {
    projectId: text('project_id').notNull(),
    audience: text('audience').notNull(),
    version: integer('version').notNull(),
    readVersion: integer('read_version').notNull().default(0),
    ackVersion: integer('ack_version').notNull().default(0),
    live: integer('live').notNull().default(0),
    nextExpiry: integer('next_expiry'),
    // On a user's own row only: their counters in their own audience, what user_counts keeps for the
    // other audiences (here because every change of their state writes this row anyway; migrations/0011).
    acknowledged: integer('acknowledged').notNull().default(0),
    ackedThrough: integer('acked_through').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.audience] })],
);

// A user's "acknowledge all" (client API `acknowledge-all`): per audience, every stored notification up
// to `through_seq` is acknowledged at `acknowledged_at`, without a receipt per notification. Each call adds
// one step per audience it moved (WITHOUT ROWID, migrations/0010); a notification shows the time of the
// first step that covers it. The watermark itself (the newest step) is kept in user_counts.acked_through (the
// own audience's in inbox_versions.acked_through), and retention drops the steps that no stored notification needs
// any more. `counted` is how many stored, unarchived notifications the step newly covered (what it added to the count); `acknowledged` how many of them
// were visible (unexpired): what the call reported.
export const acknowledgedThrough = sqliteTable(
  'acknowledged_through',
  {
    projectId: text('project_id').notNull(),
    userId: text('user_id').notNull(),
    audience: text('audience').notNull(),
    throughSeq: integer('through_seq').notNull(),
    acknowledgedAt: integer('acknowledged_at').notNull(),
    counted: integer('counted').notNull(),
    acknowledged: integer('acknowledged').notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.userId, t.audience, t.throughSeq] })],
);

// How many of an organisation's or everyone's stored, unarchived notifications a user acknowledged
// (WITHOUT ROWID; kept by triggers, migrations/0011): with `live`, the pending and acknowledged totals.
// A user's own audience keeps these on its inbox_versions row.
export const userCounts = sqliteTable(
  'user_counts',
  {
    projectId: text('project_id').notNull(),
    userId: text('user_id').notNull(),
    audience: text('audience').notNull(),
    acknowledged: integer('acknowledged').notNull().default(0),
    // The user's acknowledge-all watermark in the audience: every sequence up to it is acknowledged (0: none).
    ackedThrough: integer('acked_through').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.userId, t.audience] }),
    // Archives and deletes find the users whose watermark covers a notification (migrations/0010): exactly
    // the rows whose count they change.
    index('user_counts_watermark').on(t.projectId, t.audience, t.ackedThrough).where(sql`acked_through > 0`),
  ],
);

export const idempotencyRecords = sqliteTable(
  'idempotency_records',
  {
    projectId: text('project_id').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    status: integer('status').notNull(),
    response: text('response').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.key] }), index('idempotency_age').on(t.createdAt)],
);

// What happened to notifications after they were stored, for streams that resume from a cursor:
// a user's own state changes ('state', audience 'u:<user>'), their acknowledge-all ('acknowledged',
// audience 'u:<user>', naming the newest notification it covered) and removals ('deleted', the
// notification's audience). New notifications need no entry: their own `seq` is their place.
// Written by triggers (migrations/0009_one_trigger_per_event.sql) next to the inbox versions.
export const inboxChanges = sqliteTable(
  'inbox_changes',
  {
    // Never reused, without AUTOINCREMENT: retention never removes the newest entry (core/changes.ts).
    seq: integer('seq').primaryKey(),
    projectId: text('project_id').notNull(),
    audience: text('audience').notNull(),
    kind: text('kind', { enum: ['state', 'deleted', 'acknowledged'] }).notNull(),
    notificationId: text('notification_id').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  // No index on created_at: retention walks the feed from its oldest entry, which is in time order.
  (t) => [index('inbox_changes_feed').on(t.projectId, t.audience, t.seq)],
);

// The newest change purged per project: a stream cursor at or before it has lost history (`reset`).
export const changeHorizons = sqliteTable('change_horizons', {
  projectId: text('project_id').primaryKey(),
  purgedThrough: integer('purged_through').notNull(),
});

// The newest sequence a deleted notification had, when it was the newest: creates number above it,
// so that no sequence comes back (migrations/0011, core/create.ts). WITHOUT ROWID.
export const sequenceFloors = sqliteTable('sequence_floors', {
  name: text('name').primaryKey(),
  floor: integer('floor').notNull(),
});

// Where users live when the deployment has several D1 databases (core/placement.ts): one row, in the control
// database (the binding DB), holding the binding of each virtual shard. No row: every shard is on DB.
export const shardMap = sqliteTable('shard_map', {
  id: integer('id').primaryKey(),
  // Moves forward with every change, so that a Worker knows whether its copy is current.
  version: integer('version').notNull(),
  // JSON: an array of VIRTUAL_SHARDS entries (a binding name, or a move's `A>B` / `B<A`).
  shards: text('shards').notNull(),
  // JSON: the move under way (core/shard-moves.ts), where it got to; null when none is.
  move: text('move'),
});

// Notifications written to more than one database (a broadcast, or recipients in several databases) until
// every one of them holds its copy (core/copies.ts): the create records them here in the same batch as its
// Idempotency-Key, so a write that failed halfway is completed (retried) rather than lost or duplicated.
// In the control database; empty but for writes in flight. WITHOUT ROWID (the key is the row).
export const pendingCopies = sqliteTable('pending_copies', {
  notificationId: text('notification_id').primaryKey(),
  projectId: text('project_id').notNull(),
  // The notification as core/create.ts inserts it (JSON).
  row: text('row').notNull(),
  // JSON: the bindings of the databases that must hold it.
  bindings: text('bindings').notNull(),
  // Archived or deleted by the operator meanwhile: whoever writes a copy later archives or deletes it too. Kept
  // (as a tombstone) after the copies are done, until retention, so that a writer still in flight sees it.
  archivedAt: integer('archived_at'),
  deletedAt: integer('deleted_at'),
  createdAt: integer('created_at').notNull(),
  // Every copy was written (by the create, a retry or the cron); the row stays a while as a tombstone.
  doneAt: integer('done_at'),
  // The last attempt to complete it: the cron takes the least recently tried first, so one failing database does not starve the rest.
  triedAt: integer('tried_at'),
});

// Web Push subscriptions (issue 27, core/push-subscriptions.ts): a browser's PushSubscription registered by a user,
// in the control database (written once per device, read only by the push queue's consumer, never by a poll).
export const pushSubscriptions = sqliteTable(
  'push_subscriptions',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull(),
    userId: text('user_id').notNull(),
    endpoint: text('endpoint').notNull(),
    // The browser's keys (base64url): its P-256 public key and its 16-byte auth secret (RFC 8291).
    p256dh: text('p256dh').notNull(),
    auth: text('auth').notNull(),
    // JSON: the organisations the user's token named when they last registered it (membership lives in tokens).
    orgs: text('orgs').notNull(),
    createdAt: integer('created_at').notNull(),
    // Moves with every registration of the same endpoint: the least recently registered goes first past the bound.
    registeredAt: integer('registered_at').notNull(),
    // The browser's `expirationTime`, if it gave one.
    expiresAt: integer('expires_at'),
  },
  (t) => [
    uniqueIndex('push_subscriptions_endpoint').on(t.projectId, t.endpoint),
    index('push_subscriptions_user').on(t.projectId, t.userId, t.registeredAt),
    index('push_subscriptions_project').on(t.projectId, t.id),
  ],
);

// Which subscriptions hear an organisation's notifications (from `orgs` above), so that a push to one reads its
// members' subscriptions, not the project's. Kept in step by a trigger (migrations/0014). WITHOUT ROWID.
export const pushSubscriptionOrgs = sqliteTable(
  'push_subscription_orgs',
  {
    projectId: text('project_id').notNull(),
    orgId: text('org_id').notNull(),
    subscriptionId: text('subscription_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.orgId, t.subscriptionId] })],
);
