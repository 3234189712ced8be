ALTER TABLE `inbox_versions` ADD `read_version` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `inbox_versions` ADD `ack_version` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- One trigger per table and event, each step in order with its reason. They replace the thirteen
-- triggers of 0001, 0004, 0005, 0006 and 0008 and keep, in the same statement as every write:
--   inbox_versions  per audience: `version` (its notifications changed), `live`, `next_expiry`;
--                   on a user's own row 'u:<user>': `read_version` and `ack_version` (their state);
--   user_counts     how many of an audience's live notifications a user acknowledged;
--   inbox_changes   the change feed streams resume from ('state' and 'deleted');
--   notifications.acked   a user-addressed notification left its user's pending index.
-- Audience keys: 'u:<user>', 'o:<org>', '*' (src/core/audience.ts). Nothing is recounted here:
-- the counters the old triggers kept are already right, and the new ones continue them.
DROP TRIGGER `notifications_version_insert`;
--> statement-breakpoint
DROP TRIGGER `notifications_version_delete`;
--> statement-breakpoint
DROP TRIGGER `notifications_version_archive`;
--> statement-breakpoint
DROP TRIGGER `notifications_change_delete`;
--> statement-breakpoint
DROP TRIGGER `notifications_change_archive`;
--> statement-breakpoint
DROP TRIGGER `receipts_version_insert`;
--> statement-breakpoint
DROP TRIGGER `receipts_version_update`;
--> statement-breakpoint
DROP TRIGGER `receipts_change_insert`;
--> statement-breakpoint
DROP TRIGGER `receipts_change_update`;
--> statement-breakpoint
DROP TRIGGER `receipts_count_insert`;
--> statement-breakpoint
DROP TRIGGER `receipts_count_update`;
--> statement-breakpoint
DROP TRIGGER `receipts_acked_insert`;
--> statement-breakpoint
DROP TRIGGER `receipts_acked_update`;
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
  -- 1. Archived (or restored): the users who acknowledged it stop (or start again) counting it.
  UPDATE `user_counts` SET `acknowledged` = `acknowledged` + (old.`archived_at` IS NOT NULL) - (new.`archived_at` IS NOT NULL)
  WHERE `project_id` = new.`project_id` AND `audience` = new.`audience`
    AND `user_id` IN (SELECT `user_id` FROM `receipts` WHERE `notification_id` = new.`id` AND `acknowledged_at` IS NOT NULL);
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
CREATE TRIGGER `notifications_after_delete` AFTER DELETE ON `notifications` BEGIN
  -- 1. The users who acknowledged it count one fewer (an archived one was no longer counted).
  UPDATE `user_counts` SET `acknowledged` = `acknowledged` - 1
  WHERE old.`archived_at` IS NULL AND `project_id` = old.`project_id` AND `audience` = old.`audience`
    AND `user_id` IN (SELECT `user_id` FROM `receipts` WHERE `notification_id` = old.`id` AND `acknowledged_at` IS NOT NULL);
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
--> statement-breakpoint
CREATE TRIGGER `receipts_after_insert` AFTER INSERT ON `receipts` BEGIN
  -- 1. The user's state versions: the read and acknowledged state each move when set here; an
  --    archive moves both (every dialect leaves archived notifications out).
  INSERT INTO `inbox_versions` (`project_id`, `audience`, `version`, `read_version`, `ack_version`)
  VALUES (new.`project_id`, 'u:' || new.`user_id`, 0,
    (new.`read_at` IS NOT NULL OR new.`archived_at` IS NOT NULL), (new.`acknowledged_at` IS NOT NULL OR new.`archived_at` IS NOT NULL))
  ON CONFLICT (`project_id`, `audience`) DO UPDATE SET
    `read_version` = `read_version` + (new.`read_at` IS NOT NULL OR new.`archived_at` IS NOT NULL),
    `ack_version` = `ack_version` + (new.`acknowledged_at` IS NOT NULL OR new.`archived_at` IS NOT NULL);
  -- 2. The user's other devices hear of it through the change feed.
  INSERT INTO `inbox_changes` (`project_id`, `audience`, `kind`, `notification_id`, `created_at`)
  VALUES (new.`project_id`, 'u:' || new.`user_id`, 'state', new.`notification_id`, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
  -- 3. Acknowledged: one more for the user in the notification's audience (while it is live).
  INSERT INTO `user_counts` (`project_id`, `user_id`, `audience`, `acknowledged`)
  SELECT new.`project_id`, new.`user_id`, `audience`, 1 FROM `notifications`
  WHERE new.`acknowledged_at` IS NOT NULL AND `id` = new.`notification_id` AND `archived_at` IS NULL
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
  -- 1. The user's state versions, each only when its state changed (an archive moves both).
  INSERT INTO `inbox_versions` (`project_id`, `audience`, `version`, `read_version`, `ack_version`)
  VALUES (new.`project_id`, 'u:' || new.`user_id`, 0, 1, 1)
  ON CONFLICT (`project_id`, `audience`) DO UPDATE SET
    `read_version` = `read_version` + (old.`read_at` IS NOT new.`read_at` OR old.`archived_at` IS NOT new.`archived_at`),
    `ack_version` = `ack_version` + (old.`acknowledged_at` IS NOT new.`acknowledged_at` OR old.`archived_at` IS NOT new.`archived_at`);
  -- 2. The user's other devices hear of it through the change feed.
  INSERT INTO `inbox_changes` (`project_id`, `audience`, `kind`, `notification_id`, `created_at`)
  VALUES (new.`project_id`, 'u:' || new.`user_id`, 'state', new.`notification_id`, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
  -- 3. Newly acknowledged: one more for the user in the notification's audience (while it is live).
  INSERT INTO `user_counts` (`project_id`, `user_id`, `audience`, `acknowledged`)
  SELECT new.`project_id`, new.`user_id`, `audience`, 1 FROM `notifications`
  WHERE old.`acknowledged_at` IS NULL AND new.`acknowledged_at` IS NOT NULL AND `id` = new.`notification_id` AND `archived_at` IS NULL
  ON CONFLICT (`project_id`, `user_id`, `audience`) DO UPDATE SET `acknowledged` = `acknowledged` + 1;
  -- 4. Newly acknowledged by the one user it is addressed to: it leaves the pending index.
  UPDATE `notifications` SET `acked` = 1
  WHERE old.`acknowledged_at` IS NULL AND new.`acknowledged_at` IS NOT NULL
    AND `id` = new.`notification_id` AND `audience` = 'u:' || new.`user_id`;
END;
