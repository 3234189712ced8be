ALTER TABLE `notifications` ADD `archived_at` integer;--> statement-breakpoint
CREATE INDEX `notifications_project` ON `notifications` (`project_id`,`seq`);--> statement-breakpoint
-- Archiving takes a notification out of its audience's inboxes: their ETags must change (once).
CREATE TRIGGER `notifications_version_archive` AFTER UPDATE OF `archived_at` ON `notifications`
WHEN old.`archived_at` IS NOT new.`archived_at`
BEGIN
  INSERT INTO `inbox_versions` (`project_id`, `audience`, `version`) VALUES (new.`project_id`, new.`audience`, 1)
  ON CONFLICT (`project_id`, `audience`) DO UPDATE SET `version` = `version` + 1;
END;
