-- Acknowledge-all (client API `POST /acknowledge-all`) as a watermark: one step per audience and call,
-- never a receipt per notification, so its rows written do not grow with how many it acknowledges.
-- A notification of audience A is acknowledged by user U when a receipt says so or when U's watermark in A
-- (user_counts.acked_through) reaches its seq (src/core/acknowledged-through.ts). The steps remember when:
-- a notification shows the time of the first step that covers it; retention drops steps no stored
-- notification needs. WITHOUT ROWID: every read is by the primary key's prefix.
CREATE TABLE `acknowledged_through` (
	`project_id` text NOT NULL,
	`user_id` text NOT NULL,
	`audience` text NOT NULL,
	`through_seq` integer NOT NULL,
	`acknowledged_at` integer NOT NULL,
	`counted` integer NOT NULL,
	`acknowledged` integer NOT NULL,
	PRIMARY KEY(`project_id`, `user_id`, `audience`, `through_seq`)
) WITHOUT ROWID;
--> statement-breakpoint
ALTER TABLE `user_counts` ADD `acked_through` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Archives and deletes find the users whose watermark covers a notification: exactly the rows they update.
CREATE INDEX `user_counts_watermark` ON `user_counts` (`project_id`,`audience`,`acked_through`) WHERE acked_through > 0;
--> statement-breakpoint
CREATE TRIGGER `acknowledged_through_after_insert` AFTER INSERT ON `acknowledged_through` BEGIN
  -- 1. The user acknowledged `counted` more of the audience's stored, unarchived notifications, up to a new watermark.
  INSERT INTO `user_counts` (`project_id`, `user_id`, `audience`, `acknowledged`, `acked_through`)
  VALUES (new.`project_id`, new.`user_id`, new.`audience`, new.`counted`, new.`through_seq`)
  ON CONFLICT (`project_id`, `user_id`, `audience`) DO UPDATE SET `acknowledged` = `acknowledged` + new.`counted`,
    `acked_through` = max(`acked_through`, new.`through_seq`);
  -- 2. The user's acknowledged state moved: their tags that show it change.
  INSERT INTO `inbox_versions` (`project_id`, `audience`, `version`, `ack_version`)
  VALUES (new.`project_id`, 'u:' || new.`user_id`, 0, 1)
  ON CONFLICT (`project_id`, `audience`) DO UPDATE SET `ack_version` = `ack_version` + 1;
END;
--> statement-breakpoint
-- The two triggers below are those of 0009 with one step added (1b): the users whose watermark covers
-- the notification (and who did not also acknowledge it by receipt, counted in step 1) count it too. It reads
-- the user_counts rows it updates (user_counts_watermark), whatever the number of acknowledge-alls.
DROP TRIGGER `notifications_after_update`;
--> statement-breakpoint
CREATE TRIGGER `notifications_after_update` AFTER UPDATE OF `archived_at` ON `notifications`
WHEN old.`archived_at` IS NOT new.`archived_at`
BEGIN
  -- 1. Archived (or restored): the users who acknowledged it stop (or start again) counting it.
  UPDATE `user_counts` SET `acknowledged` = `acknowledged` + (old.`archived_at` IS NOT NULL) - (new.`archived_at` IS NOT NULL)
  WHERE `project_id` = new.`project_id` AND `audience` = new.`audience`
    AND `user_id` IN (SELECT `user_id` FROM `receipts` WHERE `notification_id` = new.`id` AND `acknowledged_at` IS NOT NULL);
  -- 1b. Likewise the users whose acknowledge-all covers it.
  UPDATE `user_counts` SET `acknowledged` = `acknowledged` + (old.`archived_at` IS NOT NULL) - (new.`archived_at` IS NOT NULL)
  WHERE `project_id` = new.`project_id` AND `audience` = new.`audience`
    AND `acked_through` > 0 AND `acked_through` >= new.`seq`
    AND `user_id` NOT IN (SELECT `user_id` FROM `receipts` WHERE `notification_id` = new.`id` AND `acknowledged_at` IS NOT NULL);
  -- 2. It leaves (or re-enters) its audience's inboxes: a new version, one live fewer (or more).
  INSERT INTO `inbox_versions` (`project_id`, `audience`, `version`, `live`) VALUES (new.`project_id`, new.`audience`, 1, 0)
  ON CONFLICT (`project_id`, `audience`) DO UPDATE SET `version` = `version` + 1,
    `live` = `live` + (old.`archived_at` IS NOT NULL) - (new.`archived_at` IS NOT NULL);
  -- 3. To an open stream, an archived notification is deleted.
  INSERT INTO `inbox_changes` (`project_id`, `audience`, `kind`, `notification_id`, `created_at`)
  SELECT new.`project_id`, new.`audience`, 'deleted', new.`id`, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
  WHERE old.`archived_at` IS NULL AND new.`archived_at` IS NOT NULL;
END;
--> statement-breakpoint
DROP TRIGGER `notifications_after_delete`;
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
  -- 3. Its audience: a new version, one live fewer unless archived, and the next expiry looked up
  --    again only when this one may have been it.
  INSERT INTO `inbox_versions` (`project_id`, `audience`, `version`, `live`, `next_expiry`) VALUES (old.`project_id`, old.`audience`, 1, 0, NULL)
  ON CONFLICT (`project_id`, `audience`) DO UPDATE SET `version` = `version` + 1,
    `live` = `live` - (old.`archived_at` IS NULL),
    `next_expiry` = CASE WHEN old.`expires_at` IS NOT NULL AND old.`expires_at` <= `next_expiry`
      THEN (SELECT min(`expires_at`) FROM `notifications` WHERE `project_id` = old.`project_id` AND `audience` = old.`audience` AND `expires_at` IS NOT NULL)
      ELSE `next_expiry` END;
  -- 4. Open streams hear it is gone, unless they already did when it was archived.
  INSERT INTO `inbox_changes` (`project_id`, `audience`, `kind`, `notification_id`, `created_at`)
  SELECT old.`project_id`, old.`audience`, 'deleted', old.`id`, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
  WHERE old.`archived_at` IS NULL;
END;
