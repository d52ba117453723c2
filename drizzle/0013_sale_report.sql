ALTER TABLE `admissions` ADD `admitted_at` datetime(3);
--> statement-breakpoint
ALTER TABLE `admissions` ADD `joined_at` datetime(3);
--> statement-breakpoint
CREATE INDEX `admissions_event_number` ON `admissions` (`event_id`,`number`);
--> statement-breakpoint
CREATE TABLE `sale_samples` (
	`event_id` varchar(64) NOT NULL,
	`at` datetime(3) NOT NULL,
	`status` varchar(16) NOT NULL,
	`waiting` int NOT NULL,
	`last_number` bigint unsigned NOT NULL,
	`admitted_total` bigint unsigned NOT NULL,
	`sold` int NOT NULL,
	`target_rate` double NOT NULL,
	`db_purchases` int NOT NULL,
	`db_window_ms` int NOT NULL,
	`db_p95_ms` double,
	CONSTRAINT `sale_samples_pk` PRIMARY KEY(`event_id`,`at`)
);
