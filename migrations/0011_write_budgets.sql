-- Fewer rows written per write (issue 15). D1 bills every row a statement writes, each index entry
-- included, at a thousand times a row read; measured before → after (test/api/cost/write-budgets.test.ts):
--   create for one user 8 → 6, acknowledge own 10 → 6, acknowledge organisation 9 → 6, seeds/001 read 8 → 5.
-- 1. notifications and inbox_changes lose AUTOINCREMENT, whose sqlite_sequence row was one more row
--    written per insert. A sequence must still never come back (cursors and stream positions ride on
--    it), and without AUTOINCREMENT SQLite gives a new row max(seq) + 1, so only deleting the newest
--    row could bring one back: the change feed never deletes its newest entry (core/changes.ts), and a
--    deleted newest notification leaves its sequence in `sequence_floors`, above which creates number
--    theirs (core/create.ts). Both start above what their sqlite_sequence had handed out.
-- 2. notifications_expiry is partial: only expiring notifications pay for it.
-- 3. inbox_changes_age goes: retention walks the feed from its oldest entry, which is in time order.
-- 4. receipts is WITHOUT ROWID: its primary key is the row, not an index beside it.
-- 5. A user's counters in their own audience (acknowledged, acked_through) move from user_counts onto
--    the audience's inbox_versions row 'u:<user>', which every change of the user's state writes anyway.
-- The tables are rebuilt (SQLite cannot drop AUTOINCREMENT or add WITHOUT ROWID in place); their
-- triggers are those of 0009/0010 with the steps of 5 (and the floor of 1) added.
-- Every trigger goes first: SQLite re-reads the triggers that name a table when another is renamed.
DROP TRIGGER `notifications_after_insert`;
--> statement-breakpoint
DROP TRIGGER `notifications_after_update`;
--> statement-breakpoint
DROP TRIGGER `notifications_after_delete`;
--> statement-breakpoint
DROP TRIGGER `receipts_after_insert`;
--> statement-breakpoint
DROP TRIGGER `receipts_after_update`;
--> statement-breakpoint
DROP TRIGGER `acknowledged_through_after_insert`;
--> statement-breakpoint
CREATE TABLE `sequence_floors` (
	`name` text PRIMARY KEY NOT NULL,
	`floor` integer NOT NULL
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `sequence_floors` (`name`, `floor`) SELECT `name`, `seq` FROM `sqlite_sequence` WHERE `name` = 'notifications';
--> statement-breakpoint
CREATE TABLE `notifications_0011` (
	`seq` integer PRIMARY KEY NOT NULL,
	`id` text NOT NULL,
	`project_id` text NOT NULL,
	`audience` text NOT NULL,
	`category` text,
	`title` text NOT NULL,
	`body` text NOT NULL,
	`icon` text,
	`action_url` text,
	`priority` text NOT NULL,
	`service_id` text,
	`origin_project` text,
	`custom_data` text DEFAULT '{}' NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer,
	`resource_etag` text,
	`archived_at` integer,
	`acked` integer
);
--> statement-breakpoint
INSERT INTO `notifications_0011` (`seq`, `id`, `project_id`, `audience`, `category`, `title`, `body`, `icon`, `action_url`, `priority`,
  `service_id`, `origin_project`, `custom_data`, `created_at`, `expires_at`, `resource_etag`, `archived_at`, `acked`)
SELECT `seq`, `id`, `project_id`, `audience`, `category`, `title`, `body`, `icon`, `action_url`, `priority`,
  `service_id`, `origin_project`, `custom_data`, `created_at`, `expires_at`, `resource_etag`, `archived_at`, `acked` FROM `notifications`;
--> statement-breakpoint
DROP TABLE `notifications`;
--> statement-breakpoint
ALTER TABLE `notifications_0011` RENAME TO `notifications`;
--> statement-breakpoint
-- Until the new code is live (seconds after this migration, `npm run deploy`), the old code numbers a
-- create max(seq) + 1: if the newest notifications were deleted, that is a number handed out before.
-- An inert row at the floor (no project, archived, never purged) keeps max(seq) there.
INSERT INTO `notifications` (`seq`, `id`, `project_id`, `audience`, `title`, `body`, `priority`, `custom_data`, `created_at`, `archived_at`)
SELECT `floor`, 'sequence-floor', '', '', '', '', 'normal', '{}', 0, 253402300799999 FROM `sequence_floors`
WHERE `name` = 'notifications' AND `floor` > coalesce((SELECT max(`seq`) FROM `notifications`), 0);
--> statement-breakpoint
CREATE UNIQUE INDEX `notifications_id` ON `notifications` (`id`);
--> statement-breakpoint
CREATE INDEX `notifications_inbox` ON `notifications` (`project_id`,`audience`,`seq`);
--> statement-breakpoint
CREATE INDEX `notifications_project` ON `notifications` (`project_id`,`seq`);
--> statement-breakpoint
CREATE INDEX `notifications_expiry` ON `notifications` (`project_id`,`audience`,`expires_at`) WHERE expires_at IS NOT NULL;
--> statement-breakpoint
CREATE INDEX `notifications_expires_at` ON `notifications` (`expires_at`) WHERE expires_at IS NOT NULL;
--> statement-breakpoint
CREATE INDEX `notifications_archived_at` ON `notifications` (`archived_at`) WHERE archived_at IS NOT NULL;
--> statement-breakpoint
CREATE INDEX `notifications_unacked` ON `notifications` (`project_id`,`audience`,`seq`) WHERE acked IS NULL;
--> statement-breakpoint
CREATE TABLE `inbox_changes_0011` (
	`seq` integer PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`audience` text NOT NULL,
	`kind` text NOT NULL,
	`notification_id` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
INSERT INTO `inbox_changes_0011` (`seq`, `project_id`, `audience`, `kind`, `notification_id`, `created_at`)
SELECT `seq`, `project_id`, `audience`, `kind`, `notification_id`, `created_at` FROM `inbox_changes`;
--> statement-breakpoint
-- The feed's next entry must come after every one it ever had: when retention purged the newest
-- entries, an entry in no audience holds the place (it matches no stream, and retention removes it
-- once a newer one exists and it is old enough; dated now, so that the old code's purge, which runs by
-- age, leaves it alone until the new code is live).
INSERT INTO `inbox_changes_0011` (`seq`, `project_id`, `audience`, `kind`, `notification_id`, `created_at`)
SELECT `seq`, '', '', 'deleted', '', CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) FROM `sqlite_sequence`
WHERE `name` = 'inbox_changes' AND `seq` > coalesce((SELECT max(`seq`) FROM `inbox_changes`), 0);
--> statement-breakpoint
DROP TABLE `inbox_changes`;
--> statement-breakpoint
ALTER TABLE `inbox_changes_0011` RENAME TO `inbox_changes`;
--> statement-breakpoint
CREATE INDEX `inbox_changes_feed` ON `inbox_changes` (`project_id`,`audience`,`seq`);
--> statement-breakpoint
CREATE TABLE `receipts_0011` (
	`project_id` text NOT NULL,
	`user_id` text NOT NULL,
	`notification_id` text NOT NULL,
	`seen_at` integer,
	`read_at` integer,
	`acknowledged_at` integer,
	`archived_at` integer,
	PRIMARY KEY(`project_id`, `user_id`, `notification_id`)
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `receipts_0011` (`project_id`, `user_id`, `notification_id`, `seen_at`, `read_at`, `acknowledged_at`, `archived_at`)
SELECT `project_id`, `user_id`, `notification_id`, `seen_at`, `read_at`, `acknowledged_at`, `archived_at` FROM `receipts`;
--> statement-breakpoint
DROP TABLE `receipts`;
--> statement-breakpoint
ALTER TABLE `receipts_0011` RENAME TO `receipts`;
--> statement-breakpoint
CREATE INDEX `receipts_notification` ON `receipts` (`notification_id`);
--> statement-breakpoint
ALTER TABLE `inbox_versions` ADD `acknowledged` integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE `inbox_versions` ADD `acked_through` integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
INSERT INTO `inbox_versions` (`project_id`, `audience`, `version`, `acknowledged`, `acked_through`)
SELECT `project_id`, `audience`, 0, `acknowledged`, `acked_through` FROM `user_counts` WHERE `audience` = 'u:' || `user_id`
ON CONFLICT (`project_id`, `audience`) DO UPDATE SET `acknowledged` = excluded.`acknowledged`, `acked_through` = excluded.`acked_through`;
--> statement-breakpoint
DELETE FROM `user_counts` WHERE `audience` = 'u:' || `user_id`;
--> statement-breakpoint
CREATE TRIGGER `notifications_after_insert` AFTER INSERT ON `notifications` BEGIN
  -- 1. Its audience has one more live notification, a new version, and perhaps an earlier expiry.
  INSERT INTO `inbox_versions` (`project_id`, `audience`, `version`, `live`, `next_expiry`)
  VALUES (new.`project_id`, new.`audience`, 1, 1, new.`expires_at`)
  ON CONFLICT (`project_id`, `audience`) DO UPDATE SET `version` = `version` + 1, `live` = `live` + 1,
    `next_expiry` = CASE WHEN new.`expires_at` IS NULL THEN `next_expiry`
      WHEN `next_expiry` IS NULL OR new.`expires_at` < `next_expiry` THEN new.`expires_at` ELSE `next_expiry` END;
END;
--> statement-breakpoint
CREATE TRIGGER `notifications_after_update` AFTER UPDATE OF `archived_at` ON `notifications`
WHEN old.`archived_at` IS NOT new.`archived_at`
BEGIN
  -- 1. Archived (or restored): the users who acknowledged it stop (or start again) counting it
  --    (in organisations and everyone: a user's own audience counts on its inbox_versions row, step 2).
  UPDATE `user_counts` SET `acknowledged` = `acknowledged` + (old.`archived_at` IS NOT NULL) - (new.`archived_at` IS NOT NULL)
  WHERE `project_id` = new.`project_id` AND `audience` = new.`audience`
    AND `user_id` IN (SELECT `user_id` FROM `receipts` WHERE `notification_id` = new.`id` AND `acknowledged_at` IS NOT NULL);
  -- 1b. Likewise the users whose acknowledge-all covers it.
  UPDATE `user_counts` SET `acknowledged` = `acknowledged` + (old.`archived_at` IS NOT NULL) - (new.`archived_at` IS NOT NULL)
  WHERE `project_id` = new.`project_id` AND `audience` = new.`audience`
    AND `acked_through` > 0 AND `acked_through` >= new.`seq`
    AND `user_id` NOT IN (SELECT `user_id` FROM `receipts` WHERE `notification_id` = new.`id` AND `acknowledged_at` IS NOT NULL);
  -- 2. It leaves (or re-enters) its audience's inboxes: a new version, one live fewer (or more); in a
  --    user's own audience, one acknowledged fewer (or more) when they had acknowledged it.
  INSERT INTO `inbox_versions` (`project_id`, `audience`, `version`, `live`) VALUES (new.`project_id`, new.`audience`, 1, 0)
  ON CONFLICT (`project_id`, `audience`) DO UPDATE SET `version` = `version` + 1,
    `live` = `live` + (old.`archived_at` IS NOT NULL) - (new.`archived_at` IS NOT NULL),
    `acknowledged` = `acknowledged` + CASE WHEN new.`acked` IS NOT NULL OR (new.`audience` LIKE 'u:%' AND new.`seq` <= `acked_through`)
      THEN (old.`archived_at` IS NOT NULL) - (new.`archived_at` IS NOT NULL) ELSE 0 END;
  -- 3. To an open stream, an archived notification is deleted.
  INSERT INTO `inbox_changes` (`project_id`, `audience`, `kind`, `notification_id`, `created_at`)
  SELECT new.`project_id`, new.`audience`, 'deleted', new.`id`, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
  WHERE old.`archived_at` IS NULL AND new.`archived_at` IS NOT NULL;
END;
--> statement-breakpoint
CREATE TRIGGER `notifications_after_delete` AFTER DELETE ON `notifications` BEGIN
  -- 1. The users who acknowledged it count one fewer (an archived one was no longer counted).
  UPDATE `user_counts` SET `acknowledged` = `acknowledged` - 1
  WHERE old.`archived_at` IS NULL AND `project_id` = old.`project_id` AND `audience` = old.`audience`
    AND `user_id` IN (SELECT `user_id` FROM `receipts` WHERE `notification_id` = old.`id` AND `acknowledged_at` IS NOT NULL);
  -- 1b. Likewise the users whose acknowledge-all covers it.
  UPDATE `user_counts` SET `acknowledged` = `acknowledged` - 1
  WHERE old.`archived_at` IS NULL AND `project_id` = old.`project_id` AND `audience` = old.`audience`
    AND `acked_through` > 0 AND `acked_through` >= old.`seq`
    AND `user_id` NOT IN (SELECT `user_id` FROM `receipts` WHERE `notification_id` = old.`id` AND `acknowledged_at` IS NOT NULL);
  -- 2. Its receipts go with it (after step 1, which reads them).
  DELETE FROM `receipts` WHERE `notification_id` = old.`id`;
  -- 3. Its audience: a new version, one live fewer unless archived (and in a user's own audience one
  --    acknowledged fewer when they had acknowledged it), and the next expiry looked up again only
  --    when this one may have been it.
  INSERT INTO `inbox_versions` (`project_id`, `audience`, `version`, `live`, `next_expiry`) VALUES (old.`project_id`, old.`audience`, 1, 0, NULL)
  ON CONFLICT (`project_id`, `audience`) DO UPDATE SET `version` = `version` + 1,
    `live` = `live` - (old.`archived_at` IS NULL),
    `acknowledged` = `acknowledged` - (old.`archived_at` IS NULL AND (old.`acked` IS NOT NULL OR (old.`audience` LIKE 'u:%' AND old.`seq` <= `acked_through`))),
    `next_expiry` = CASE WHEN old.`expires_at` IS NOT NULL AND old.`expires_at` <= `next_expiry`
      THEN (SELECT min(`expires_at`) FROM `notifications` WHERE `project_id` = old.`project_id` AND `audience` = old.`audience` AND `expires_at` IS NOT NULL)
      ELSE `next_expiry` END;
  -- 4. Open streams hear it is gone, unless they already did when it was archived.
  INSERT INTO `inbox_changes` (`project_id`, `audience`, `kind`, `notification_id`, `created_at`)
  SELECT old.`project_id`, old.`audience`, 'deleted', old.`id`, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
  WHERE old.`archived_at` IS NULL;
  -- 5. The newest notification gone: its sequence is not handed out again (creates start above the floor).
  INSERT INTO `sequence_floors` (`name`, `floor`) SELECT 'notifications', old.`seq`
  WHERE old.`seq` > coalesce((SELECT max(`seq`) FROM `notifications`), 0)
  ON CONFLICT (`name`) DO UPDATE SET `floor` = max(`floor`, excluded.`floor`);
END;
--> statement-breakpoint
CREATE TRIGGER `receipts_after_insert` AFTER INSERT ON `receipts` BEGIN
  -- 1. The user's own inbox_versions row: the read and acknowledged state versions each move when set
  --    here (an archive moves both: every dialect leaves archived notifications out), and one more
  --    acknowledged when it is a live notification of their own audience.
  INSERT INTO `inbox_versions` (`project_id`, `audience`, `version`, `read_version`, `ack_version`, `acknowledged`)
  VALUES (new.`project_id`, 'u:' || new.`user_id`, 0,
    (new.`read_at` IS NOT NULL OR new.`archived_at` IS NOT NULL), (new.`acknowledged_at` IS NOT NULL OR new.`archived_at` IS NOT NULL),
    (new.`acknowledged_at` IS NOT NULL AND EXISTS (SELECT 1 FROM `notifications`
      WHERE `id` = new.`notification_id` AND `audience` = 'u:' || new.`user_id` AND `archived_at` IS NULL)))
  ON CONFLICT (`project_id`, `audience`) DO UPDATE SET
    `read_version` = `read_version` + excluded.`read_version`,
    `ack_version` = `ack_version` + excluded.`ack_version`,
    `acknowledged` = `acknowledged` + excluded.`acknowledged`;
  -- 2. The user's other devices hear of it through the change feed.
  INSERT INTO `inbox_changes` (`project_id`, `audience`, `kind`, `notification_id`, `created_at`)
  VALUES (new.`project_id`, 'u:' || new.`user_id`, 'state', new.`notification_id`, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
  -- 3. Acknowledged in an organisation or everyone: one more for the user there (while it is live).
  INSERT INTO `user_counts` (`project_id`, `user_id`, `audience`, `acknowledged`)
  SELECT new.`project_id`, new.`user_id`, `audience`, 1 FROM `notifications`
  WHERE new.`acknowledged_at` IS NOT NULL AND `id` = new.`notification_id` AND `archived_at` IS NULL AND `audience` <> 'u:' || new.`user_id`
  ON CONFLICT (`project_id`, `user_id`, `audience`) DO UPDATE SET `acknowledged` = `acknowledged` + 1;
  -- 4. Acknowledged by the one user it is addressed to: it leaves the pending index.
  UPDATE `notifications` SET `acked` = 1
  WHERE new.`acknowledged_at` IS NOT NULL AND `id` = new.`notification_id` AND `audience` = 'u:' || new.`user_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `receipts_after_update` AFTER UPDATE ON `receipts`
WHEN old.`seen_at` IS NOT new.`seen_at` OR old.`read_at` IS NOT new.`read_at`
  OR old.`acknowledged_at` IS NOT new.`acknowledged_at` OR old.`archived_at` IS NOT new.`archived_at`
BEGIN
  -- 1. The user's own inbox_versions row: each state version only when its state changed (an archive
  --    moves both), and one more acknowledged when newly acknowledged in their own audience.
  INSERT INTO `inbox_versions` (`project_id`, `audience`, `version`, `read_version`, `ack_version`, `acknowledged`)
  VALUES (new.`project_id`, 'u:' || new.`user_id`, 0,
    (old.`read_at` IS NOT new.`read_at` OR old.`archived_at` IS NOT new.`archived_at`),
    (old.`acknowledged_at` IS NOT new.`acknowledged_at` OR old.`archived_at` IS NOT new.`archived_at`),
    (old.`acknowledged_at` IS NULL AND new.`acknowledged_at` IS NOT NULL AND EXISTS (SELECT 1 FROM `notifications`
      WHERE `id` = new.`notification_id` AND `audience` = 'u:' || new.`user_id` AND `archived_at` IS NULL)))
  ON CONFLICT (`project_id`, `audience`) DO UPDATE SET
    `read_version` = `read_version` + excluded.`read_version`,
    `ack_version` = `ack_version` + excluded.`ack_version`,
    `acknowledged` = `acknowledged` + excluded.`acknowledged`;
  -- 2. The user's other devices hear of it through the change feed.
  INSERT INTO `inbox_changes` (`project_id`, `audience`, `kind`, `notification_id`, `created_at`)
  VALUES (new.`project_id`, 'u:' || new.`user_id`, 'state', new.`notification_id`, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
  -- 3. Newly acknowledged in an organisation or everyone: one more for the user there (while it is live).
  INSERT INTO `user_counts` (`project_id`, `user_id`, `audience`, `acknowledged`)
  SELECT new.`project_id`, new.`user_id`, `audience`, 1 FROM `notifications`
  WHERE old.`acknowledged_at` IS NULL AND new.`acknowledged_at` IS NOT NULL AND `id` = new.`notification_id` AND `archived_at` IS NULL
    AND `audience` <> 'u:' || new.`user_id`
  ON CONFLICT (`project_id`, `user_id`, `audience`) DO UPDATE SET `acknowledged` = `acknowledged` + 1;
  -- 4. Newly acknowledged by the one user it is addressed to: it leaves the pending index.
  UPDATE `notifications` SET `acked` = 1
  WHERE old.`acknowledged_at` IS NULL AND new.`acknowledged_at` IS NOT NULL
    AND `id` = new.`notification_id` AND `audience` = 'u:' || new.`user_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `acknowledged_through_after_insert` AFTER INSERT ON `acknowledged_through` BEGIN
  -- 1. In an organisation or everyone: the user acknowledged `counted` more of the audience's stored,
  --    unarchived notifications, up to a new watermark.
  INSERT INTO `user_counts` (`project_id`, `user_id`, `audience`, `acknowledged`, `acked_through`)
  SELECT new.`project_id`, new.`user_id`, new.`audience`, new.`counted`, new.`through_seq` WHERE new.`audience` <> 'u:' || new.`user_id`
  ON CONFLICT (`project_id`, `user_id`, `audience`) DO UPDATE SET `acknowledged` = `acknowledged` + new.`counted`,
    `acked_through` = max(`acked_through`, new.`through_seq`);
  -- 2. The user's acknowledged state moved: their tags that show it change; in their own audience the
  --    count and the watermark are on this row.
  INSERT INTO `inbox_versions` (`project_id`, `audience`, `version`, `ack_version`, `acknowledged`, `acked_through`)
  VALUES (new.`project_id`, 'u:' || new.`user_id`, 0, 1,
    CASE WHEN new.`audience` = 'u:' || new.`user_id` THEN new.`counted` ELSE 0 END,
    CASE WHEN new.`audience` = 'u:' || new.`user_id` THEN new.`through_seq` ELSE 0 END)
  ON CONFLICT (`project_id`, `audience`) DO UPDATE SET `ack_version` = `ack_version` + 1,
    `acknowledged` = `acknowledged` + excluded.`acknowledged`, `acked_through` = max(`acked_through`, excluded.`acked_through`);
END;
