-- Counters kept with the writes, so that a poll's totals and ETag lifetime cost one row per audience
-- (issue 7). Both tables are WITHOUT ROWID: a primary-key lookup then reads one row, not an index
-- entry and a table row. drizzle-kit does not model WITHOUT ROWID, so this file is written by hand;
-- its snapshot matches the columns.
CREATE TABLE `inbox_versions_before_0006` AS SELECT * FROM `inbox_versions`;
--> statement-breakpoint
DROP TABLE `inbox_versions`;
--> statement-breakpoint
CREATE TABLE `inbox_versions` (
	`project_id` text NOT NULL,
	`audience` text NOT NULL,
	`version` integer NOT NULL,
	`live` integer DEFAULT 0 NOT NULL,
	`next_expiry` integer,
	PRIMARY KEY(`project_id`, `audience`)
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `inbox_versions` (`project_id`, `audience`, `version`, `live`, `next_expiry`)
SELECT v.`project_id`, v.`audience`, v.`version`,
  (SELECT count(*) FROM `notifications` n WHERE n.`project_id` = v.`project_id` AND n.`audience` = v.`audience` AND n.`archived_at` IS NULL),
  (SELECT min(n.`expires_at`) FROM `notifications` n WHERE n.`project_id` = v.`project_id` AND n.`audience` = v.`audience`)
FROM `inbox_versions_before_0006` v;
--> statement-breakpoint
DROP TABLE `inbox_versions_before_0006`;
--> statement-breakpoint
CREATE TABLE `user_counts` (
	`project_id` text NOT NULL,
	`user_id` text NOT NULL,
	`audience` text NOT NULL,
	`acknowledged` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`project_id`, `user_id`, `audience`)
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `user_counts` (`project_id`, `user_id`, `audience`, `acknowledged`)
SELECT r.`project_id`, r.`user_id`, n.`audience`, count(*) FROM `receipts` r
  JOIN `notifications` n ON n.`id` = r.`notification_id` AND n.`project_id` = r.`project_id`
WHERE r.`acknowledged_at` IS NOT NULL AND n.`archived_at` IS NULL
GROUP BY r.`project_id`, r.`user_id`, n.`audience`;
--> statement-breakpoint
-- `next_expiry` is the earliest expiry stored in the audience (it may lie in the past until the
-- expired notification is purged; readers then look further, see src/core/inbox-state.ts).
DROP TRIGGER `notifications_version_insert`;
--> statement-breakpoint
CREATE TRIGGER `notifications_version_insert` AFTER INSERT ON `notifications` BEGIN
  INSERT INTO `inbox_versions` (`project_id`, `audience`, `version`, `live`, `next_expiry`)
  VALUES (new.`project_id`, new.`audience`, 1, 1, new.`expires_at`)
  ON CONFLICT (`project_id`, `audience`) DO UPDATE SET `version` = `version` + 1, `live` = `live` + 1,
    `next_expiry` = CASE WHEN new.`expires_at` IS NULL THEN `next_expiry`
      WHEN `next_expiry` IS NULL OR new.`expires_at` < `next_expiry` THEN new.`expires_at` ELSE `next_expiry` END;
END;
--> statement-breakpoint
-- The acknowledged counts lose a deleted notification before its receipts go.
DROP TRIGGER `notifications_version_delete`;
--> statement-breakpoint
CREATE TRIGGER `notifications_version_delete` AFTER DELETE ON `notifications` BEGIN
  UPDATE `user_counts` SET `acknowledged` = `acknowledged` - 1
  WHERE old.`archived_at` IS NULL AND `project_id` = old.`project_id` AND `audience` = old.`audience`
    AND `user_id` IN (SELECT `user_id` FROM `receipts` WHERE `notification_id` = old.`id` AND `acknowledged_at` IS NOT NULL);
  DELETE FROM `receipts` WHERE `notification_id` = old.`id`;
  INSERT INTO `inbox_versions` (`project_id`, `audience`, `version`, `live`, `next_expiry`) VALUES (old.`project_id`, old.`audience`, 1, 0, NULL)
  ON CONFLICT (`project_id`, `audience`) DO UPDATE SET `version` = `version` + 1,
    `live` = `live` - (old.`archived_at` IS NULL),
    `next_expiry` = CASE WHEN old.`expires_at` IS NOT NULL AND old.`expires_at` <= `next_expiry`
      THEN (SELECT min(`expires_at`) FROM `notifications` WHERE `project_id` = old.`project_id` AND `audience` = old.`audience` AND `expires_at` IS NOT NULL)
      ELSE `next_expiry` END;
END;
--> statement-breakpoint
DROP TRIGGER `notifications_version_archive`;
--> statement-breakpoint
CREATE TRIGGER `notifications_version_archive` AFTER UPDATE OF `archived_at` ON `notifications`
WHEN old.`archived_at` IS NOT new.`archived_at`
BEGIN
  UPDATE `user_counts` SET `acknowledged` = `acknowledged` + (old.`archived_at` IS NOT NULL) - (new.`archived_at` IS NOT NULL)
  WHERE `project_id` = new.`project_id` AND `audience` = new.`audience`
    AND `user_id` IN (SELECT `user_id` FROM `receipts` WHERE `notification_id` = new.`id` AND `acknowledged_at` IS NOT NULL);
  INSERT INTO `inbox_versions` (`project_id`, `audience`, `version`, `live`) VALUES (new.`project_id`, new.`audience`, 1, 0)
  ON CONFLICT (`project_id`, `audience`) DO UPDATE SET `version` = `version` + 1,
    `live` = `live` + (old.`archived_at` IS NOT NULL) - (new.`archived_at` IS NOT NULL);
END;
--> statement-breakpoint
CREATE TRIGGER `receipts_count_insert` AFTER INSERT ON `receipts` WHEN new.`acknowledged_at` IS NOT NULL BEGIN
  INSERT INTO `user_counts` (`project_id`, `user_id`, `audience`, `acknowledged`)
  SELECT new.`project_id`, new.`user_id`, `audience`, 1 FROM `notifications` WHERE `id` = new.`notification_id` AND `archived_at` IS NULL
  ON CONFLICT (`project_id`, `user_id`, `audience`) DO UPDATE SET `acknowledged` = `acknowledged` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `receipts_count_update` AFTER UPDATE OF `acknowledged_at` ON `receipts`
WHEN old.`acknowledged_at` IS NULL AND new.`acknowledged_at` IS NOT NULL
BEGIN
  INSERT INTO `user_counts` (`project_id`, `user_id`, `audience`, `acknowledged`)
  SELECT new.`project_id`, new.`user_id`, `audience`, 1 FROM `notifications` WHERE `id` = new.`notification_id` AND `archived_at` IS NULL
  ON CONFLICT (`project_id`, `user_id`, `audience`) DO UPDATE SET `acknowledged` = `acknowledged` + 1;
END;
