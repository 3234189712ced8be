-- The `default` project every token without a `project` claim belongs to.
INSERT INTO `projects` (`id`, `name`, `created_at`) VALUES ('default', 'Default project', CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
--> statement-breakpoint
-- Inbox versions move in the same statement as the change they describe, so no write path can
-- forget them and a write that changes nothing (a second acknowledge) does not move them.
-- Audience keys: 'u:<user>', 'o:<org>', '*' (src/core/audience.ts).
CREATE TRIGGER `notifications_version_insert` AFTER INSERT ON `notifications` BEGIN
  INSERT INTO `inbox_versions` (`project_id`, `audience`, `version`) VALUES (new.`project_id`, new.`audience`, 1)
  ON CONFLICT (`project_id`, `audience`) DO UPDATE SET `version` = `version` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `notifications_version_delete` AFTER DELETE ON `notifications` BEGIN
  DELETE FROM `receipts` WHERE `notification_id` = old.`id`;
  INSERT INTO `inbox_versions` (`project_id`, `audience`, `version`) VALUES (old.`project_id`, old.`audience`, 1)
  ON CONFLICT (`project_id`, `audience`) DO UPDATE SET `version` = `version` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `receipts_version_insert` AFTER INSERT ON `receipts` BEGIN
  INSERT INTO `inbox_versions` (`project_id`, `audience`, `version`) VALUES (new.`project_id`, 'u:' || new.`user_id`, 1)
  ON CONFLICT (`project_id`, `audience`) DO UPDATE SET `version` = `version` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `receipts_version_update` AFTER UPDATE ON `receipts`
WHEN old.`seen_at` IS NOT new.`seen_at` OR old.`read_at` IS NOT new.`read_at`
  OR old.`acknowledged_at` IS NOT new.`acknowledged_at` OR old.`archived_at` IS NOT new.`archived_at`
BEGIN
  INSERT INTO `inbox_versions` (`project_id`, `audience`, `version`) VALUES (new.`project_id`, 'u:' || new.`user_id`, 1)
  ON CONFLICT (`project_id`, `audience`) DO UPDATE SET `version` = `version` + 1;
END;
