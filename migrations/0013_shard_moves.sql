-- Adding a database while the service runs (issue 26): the shard map's row keeps the move under way and where
-- it got to (core/shard-moves.ts), so that the operator's command can stop and resume at any step.
ALTER TABLE `shard_map` ADD `move` text;
