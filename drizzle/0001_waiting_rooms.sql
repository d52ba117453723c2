CREATE TABLE `admissions` (
	`event_id` varchar(64) NOT NULL,
	`ticket_id` varchar(64) NOT NULL,
	`number` bigint unsigned NOT NULL,
	`claim_deadline` datetime(3) NOT NULL,
	`claimed_at` datetime(3),
	`session_id` varchar(64),
	`session_expires_at` datetime(3),
	CONSTRAINT `admissions_pk` PRIMARY KEY(`event_id`,`ticket_id`)
);
--> statement-breakpoint
CREATE TABLE `ended_sessions` (
	`event_id` varchar(64) NOT NULL,
	`session_id` varchar(64) NOT NULL,
	`reason` varchar(16) NOT NULL,
	`ended_at` datetime(3) NOT NULL,
	CONSTRAINT `ended_sessions_pk` PRIMARY KEY(`event_id`,`session_id`)
);
--> statement-breakpoint
CREATE TABLE `queue_checkpoints` (
	`event_id` varchar(64) NOT NULL,
	`serving` bigint unsigned NOT NULL DEFAULT 0,
	`last_number` bigint unsigned NOT NULL DEFAULT 0,
	`checkpoint_at` datetime(3) NOT NULL,
	`issue_rate` double NOT NULL DEFAULT 0,
	`restores` int NOT NULL DEFAULT 0,
	`restored_at` datetime(3),
	`restore_kind` varchar(8),
	CONSTRAINT `queue_checkpoints_event_id` PRIMARY KEY(`event_id`)
);
--> statement-breakpoint
CREATE TABLE `waiting_rooms` (
	`event_id` varchar(64) NOT NULL,
	`status` varchar(16) NOT NULL,
	`rate` double,
	`max_active` int,
	`session_seconds` int,
	`claim_seconds` int,
	`adaptive` boolean,
	`max_waiting` int,
	`opens_at` datetime(3) NOT NULL,
	`status_at` datetime(3) NOT NULL,
	`close_reason` varchar(16),
	`version` int NOT NULL DEFAULT 1,
	`updated_at` datetime(3) NOT NULL,
	CONSTRAINT `waiting_rooms_event_id` PRIMARY KEY(`event_id`)
);
--> statement-breakpoint
CREATE INDEX `admissions_event_deadline` ON `admissions` (`event_id`,`claim_deadline`);