-- One deployment over several D1 databases (issue 26). Applied to every database alike; the first two
-- tables are used in the control database (DB) only.
-- 1. pending_copies: notifications written to more than one database, until each holds its copy, then kept a
--    while as a tombstone (core/copies.ts). WITHOUT ROWID: the key is the row (one row written per insert, not two).
-- 2. shard_map: the binding of each virtual shard (core/placement.ts); no row = every user on DB.
-- 3. The operator's project-wide list orders by (created_at, id), which every database shares
--    (sequences are per database), instead of by seq: the index is replaced, not added (same rows written).
CREATE TABLE `pending_copies` (
	`notification_id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`row` text NOT NULL,
	`bindings` text NOT NULL,
	`archived_at` integer,
	`deleted_at` integer,
	`created_at` integer NOT NULL,
	`done_at` integer,
	`tried_at` integer
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `shard_map` (
	`id` integer PRIMARY KEY NOT NULL,
	`version` integer NOT NULL,
	`shards` text NOT NULL
);
--> statement-breakpoint
DROP INDEX `notifications_project`;--> statement-breakpoint
CREATE INDEX `notifications_project_time` ON `notifications` (`project_id`,`created_at`,`id`);