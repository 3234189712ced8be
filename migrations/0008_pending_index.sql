ALTER TABLE `notifications` ADD `acked` integer;--> statement-breakpoint
CREATE INDEX `notifications_unacked` ON `notifications` (`project_id`,`audience`,`seq`) WHERE acked IS NULL;--> statement-breakpoint
-- What is already acknowledged leaves the pending index.
UPDATE `notifications` SET `acked` = 1
WHERE `audience` LIKE 'u:%' AND EXISTS (
  SELECT 1 FROM `receipts` r WHERE r.`notification_id` = `notifications`.`id` AND r.`project_id` = `notifications`.`project_id`
    AND 'u:' || r.`user_id` = `notifications`.`audience` AND r.`acknowledged_at` IS NOT NULL);
--> statement-breakpoint
CREATE TRIGGER `receipts_acked_insert` AFTER INSERT ON `receipts` WHEN new.`acknowledged_at` IS NOT NULL BEGIN
  UPDATE `notifications` SET `acked` = 1 WHERE `id` = new.`notification_id` AND `audience` = 'u:' || new.`user_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `receipts_acked_update` AFTER UPDATE OF `acknowledged_at` ON `receipts`
WHEN old.`acknowledged_at` IS NULL AND new.`acknowledged_at` IS NOT NULL
BEGIN
  UPDATE `notifications` SET `acked` = 1 WHERE `id` = new.`notification_id` AND `audience` = 'u:' || new.`user_id`;
END;
