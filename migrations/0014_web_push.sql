-- Web Push (issue 27): browsers' push subscriptions, per project and user, in the control database; which of them
-- hear each organisation (kept in step with `orgs` by the triggers below); and a project's default for pushing.
CREATE TABLE `push_subscription_orgs` (
	`project_id` text NOT NULL,
	`org_id` text NOT NULL,
	`subscription_id` text NOT NULL,
	PRIMARY KEY(`project_id`, `org_id`, `subscription_id`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `push_subscriptions` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`user_id` text NOT NULL,
	`endpoint` text NOT NULL,
	`p256dh` text NOT NULL,
	`auth` text NOT NULL,
	`orgs` text NOT NULL,
	`created_at` integer NOT NULL,
	`registered_at` integer NOT NULL,
	`expires_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `push_subscriptions_endpoint` ON `push_subscriptions` (`project_id`,`endpoint`);--> statement-breakpoint
CREATE INDEX `push_subscriptions_user` ON `push_subscriptions` (`project_id`,`user_id`,`registered_at`);--> statement-breakpoint
CREATE INDEX `push_subscriptions_project` ON `push_subscriptions` (`project_id`,`id`);--> statement-breakpoint
ALTER TABLE `projects` ADD `push` integer DEFAULT true NOT NULL;--> statement-breakpoint
CREATE TRIGGER `push_subscription_orgs_insert` AFTER INSERT ON `push_subscriptions` BEGIN
  INSERT OR IGNORE INTO `push_subscription_orgs` (`project_id`, `org_id`, `subscription_id`)
    SELECT NEW.`project_id`, value, NEW.`id` FROM json_each(NEW.`orgs`);
END;--> statement-breakpoint
-- Only when the organisations changed: a registration that repeats itself writes the subscription's row alone.
CREATE TRIGGER `push_subscription_orgs_update` AFTER UPDATE OF `orgs` ON `push_subscriptions` WHEN OLD.`orgs` <> NEW.`orgs` BEGIN
  DELETE FROM `push_subscription_orgs` WHERE `project_id` = OLD.`project_id` AND `subscription_id` = OLD.`id`
    AND `org_id` IN (SELECT value FROM json_each(OLD.`orgs`));
  INSERT OR IGNORE INTO `push_subscription_orgs` (`project_id`, `org_id`, `subscription_id`)
    SELECT NEW.`project_id`, value, NEW.`id` FROM json_each(NEW.`orgs`);
END;--> statement-breakpoint
CREATE TRIGGER `push_subscription_orgs_delete` AFTER DELETE ON `push_subscriptions` BEGIN
  DELETE FROM `push_subscription_orgs` WHERE `project_id` = OLD.`project_id` AND `subscription_id` = OLD.`id`
    AND `org_id` IN (SELECT value FROM json_each(OLD.`orgs`));
END;