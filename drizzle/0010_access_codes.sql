CREATE TABLE `access_codes` (
	`id` varchar(40) NOT NULL,
	`event_id` varchar(64) NOT NULL,
	`code_hash` char(64) NOT NULL,
	`label` varchar(100),
	`uses` int NOT NULL,
	`used` int NOT NULL DEFAULT 0,
	`tier` varchar(32),
	`valid_from` datetime(3),
	`valid_until` datetime(3),
	`revoked_at` datetime(3),
	`created_at` datetime(3) NOT NULL,
	CONSTRAINT `access_codes_id` PRIMARY KEY(`id`),
	CONSTRAINT `access_codes_event_hash` UNIQUE(`event_id`,`code_hash`)
);
--> statement-breakpoint
CREATE TABLE `access_code_redemptions` (
	`event_id` varchar(64) NOT NULL,
	`ticket_id` varchar(64) NOT NULL,
	`code_id` varchar(40) NOT NULL,
	`redeemed_at` datetime(3) NOT NULL,
	CONSTRAINT `access_code_redemptions_pk` PRIMARY KEY(`event_id`,`ticket_id`)
);
--> statement-breakpoint
CREATE INDEX `access_code_redemptions_code` ON `access_code_redemptions` (`code_id`);
--> statement-breakpoint
ALTER TABLE `waiting_rooms` ADD `invite_only` boolean DEFAULT false NOT NULL;
