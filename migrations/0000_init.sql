CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`name` text NOT NULL,
	`key_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_hash` ON `api_keys` (`key_hash`);--> statement-breakpoint
CREATE TABLE `idempotency_records` (
	`project_id` text NOT NULL,
	`key` text NOT NULL,
	`request_hash` text NOT NULL,
	`status` integer NOT NULL,
	`response` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`project_id`, `key`)
);
--> statement-breakpoint
CREATE TABLE `inbox_versions` (
	`project_id` text NOT NULL,
	`audience` text NOT NULL,
	`version` integer NOT NULL,
	PRIMARY KEY(`project_id`, `audience`)
);
--> statement-breakpoint
CREATE TABLE `notifications` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
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
	`expires_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `notifications_id` ON `notifications` (`id`);--> statement-breakpoint
CREATE INDEX `notifications_inbox` ON `notifications` (`project_id`,`audience`,`seq`);--> statement-breakpoint
CREATE TABLE `projects` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `receipts` (
	`project_id` text NOT NULL,
	`user_id` text NOT NULL,
	`notification_id` text NOT NULL,
	`seen_at` integer,
	`read_at` integer,
	`acknowledged_at` integer,
	`archived_at` integer,
	PRIMARY KEY(`project_id`, `user_id`, `notification_id`)
);
--> statement-breakpoint
CREATE INDEX `receipts_notification` ON `receipts` (`notification_id`);