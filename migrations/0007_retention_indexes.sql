CREATE INDEX `idempotency_age` ON `idempotency_records` (`created_at`);--> statement-breakpoint
CREATE INDEX `notifications_expires_at` ON `notifications` (`expires_at`) WHERE expires_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX `notifications_archived_at` ON `notifications` (`archived_at`) WHERE archived_at IS NOT NULL;