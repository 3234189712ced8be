CREATE TABLE `change_horizons` (
	`project_id` text PRIMARY KEY NOT NULL,
	`purged_through` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `inbox_changes` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`project_id` text NOT NULL,
	`audience` text NOT NULL,
	`kind` text NOT NULL,
	`notification_id` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `inbox_changes_feed` ON `inbox_changes` (`project_id`,`audience`,`seq`);--> statement-breakpoint
CREATE INDEX `inbox_changes_age` ON `inbox_changes` (`created_at`);--> statement-breakpoint
-- The change feed is written in the same statement as the change, like the inbox versions
-- (0001), so no write path can forget it and a write that changes nothing adds nothing.
CREATE TRIGGER `receipts_change_insert` AFTER INSERT ON `receipts` BEGIN
  INSERT INTO `inbox_changes` (`project_id`, `audience`, `kind`, `notification_id`, `created_at`)
  VALUES (new.`project_id`, 'u:' || new.`user_id`, 'state', new.`notification_id`, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;
--> statement-breakpoint
CREATE TRIGGER `receipts_change_update` AFTER UPDATE ON `receipts`
WHEN old.`seen_at` IS NOT new.`seen_at` OR old.`read_at` IS NOT new.`read_at`
  OR old.`acknowledged_at` IS NOT new.`acknowledged_at` OR old.`archived_at` IS NOT new.`archived_at`
BEGIN
  INSERT INTO `inbox_changes` (`project_id`, `audience`, `kind`, `notification_id`, `created_at`)
  VALUES (new.`project_id`, 'u:' || new.`user_id`, 'state', new.`notification_id`, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;
--> statement-breakpoint
CREATE TRIGGER `notifications_change_delete` AFTER DELETE ON `notifications` BEGIN
  INSERT INTO `inbox_changes` (`project_id`, `audience`, `kind`, `notification_id`, `created_at`)
  VALUES (old.`project_id`, old.`audience`, 'deleted', old.`id`, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;
--> statement-breakpoint
-- An operator's archive takes the notification out of every inbox: to a stream it is deleted.
CREATE TRIGGER `notifications_change_archive` AFTER UPDATE OF `archived_at` ON `notifications`
WHEN old.`archived_at` IS NULL AND new.`archived_at` IS NOT NULL
BEGIN
  INSERT INTO `inbox_changes` (`project_id`, `audience`, `kind`, `notification_id`, `created_at`)
  VALUES (new.`project_id`, new.`audience`, 'deleted', new.`id`, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;
