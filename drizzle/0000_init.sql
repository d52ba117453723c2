CREATE TABLE `events` (
	`id` varchar(64) NOT NULL,
	`name` varchar(200) NOT NULL,
	`venue` varchar(200) NOT NULL,
	`starts_at` datetime(3) NOT NULL,
	`sale_opens_at` datetime(3) NOT NULL,
	`status` varchar(16) NOT NULL DEFAULT 'on_sale',
	`per_order_limit` int NOT NULL DEFAULT 4,
	`hold_seconds` int NOT NULL DEFAULT 300,
	`admission_rate` int NOT NULL DEFAULT 50,
	`max_active` int NOT NULL DEFAULT 1000,
	`created_at` datetime(3) NOT NULL,
	CONSTRAINT `events_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `seats` (
	`event_id` varchar(64) NOT NULL,
	`seat_id` varchar(32) NOT NULL,
	`section` varchar(8) NOT NULL,
	`seat_row` int NOT NULL,
	`seat_number` int NOT NULL,
	`tier` varchar(32) NOT NULL,
	`price_cents` int NOT NULL,
	CONSTRAINT `seats_pk` PRIMARY KEY(`event_id`,`seat_id`)
);
--> statement-breakpoint
CREATE TABLE `orders` (
	`id` varchar(40) NOT NULL,
	`event_id` varchar(64) NOT NULL,
	`session_id` varchar(64) NOT NULL,
	`idempotency_key` varchar(128) NOT NULL,
	`hold_id` varchar(64) NOT NULL,
	`status` varchar(16) NOT NULL,
	`amount_cents` int NOT NULL,
	`currency` char(3) NOT NULL,
	`payment_id` varchar(64) NOT NULL,
	`created_at` datetime(3) NOT NULL,
	`refunded_at` datetime(3),
	CONSTRAINT `orders_id` PRIMARY KEY(`id`),
	CONSTRAINT `orders_session_idempotency_key` UNIQUE(`session_id`,`idempotency_key`)
);
--> statement-breakpoint
CREATE TABLE `reservation_history` (
	`id` bigint unsigned NOT NULL,
	`event_id` varchar(64) NOT NULL,
	`seat_id` varchar(32) NOT NULL,
	`order_id` varchar(40) NOT NULL,
	`price_cents` int NOT NULL,
	`created_at` datetime(3) NOT NULL,
	`ended_at` datetime(3) NOT NULL,
	`reason` varchar(16) NOT NULL,
	CONSTRAINT `reservation_history_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `reservations` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`event_id` varchar(64) NOT NULL,
	`seat_id` varchar(32) NOT NULL,
	`order_id` varchar(40) NOT NULL,
	`price_cents` int NOT NULL,
	`created_at` datetime(3) NOT NULL,
	CONSTRAINT `reservations_id` PRIMARY KEY(`id`),
	CONSTRAINT `reservations_event_seat` UNIQUE(`event_id`,`seat_id`)
);
--> statement-breakpoint
ALTER TABLE `seats` ADD CONSTRAINT `seats_event_id_events_id_fk` FOREIGN KEY (`event_id`) REFERENCES `events`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `orders` ADD CONSTRAINT `orders_event_id_events_id_fk` FOREIGN KEY (`event_id`) REFERENCES `events`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `reservations` ADD CONSTRAINT `reservations_order_id_orders_id_fk` FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `reservations` ADD CONSTRAINT `reservations_seat_fk` FOREIGN KEY (`event_id`,`seat_id`) REFERENCES `seats`(`event_id`,`seat_id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `seats_event_tier` ON `seats` (`event_id`,`tier`);--> statement-breakpoint
CREATE INDEX `orders_event_status` ON `orders` (`event_id`,`status`);--> statement-breakpoint
CREATE INDEX `reservation_history_event_seat` ON `reservation_history` (`event_id`,`seat_id`);--> statement-breakpoint
CREATE INDEX `reservation_history_order` ON `reservation_history` (`order_id`);--> statement-breakpoint
CREATE INDEX `reservations_order` ON `reservations` (`order_id`);