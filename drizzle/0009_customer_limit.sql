ALTER TABLE `events` ADD `customer_limit` int;
--> statement-breakpoint
ALTER TABLE `orders` ADD `customer_id` varchar(64);
--> statement-breakpoint
CREATE INDEX `orders_event_customer` ON `orders` (`event_id`,`customer_id`);
--> statement-breakpoint
CREATE TABLE `customer_tickets` (
	`event_id` varchar(64) NOT NULL,
	`customer_id` varchar(64) NOT NULL,
	`tickets` int NOT NULL DEFAULT 0,
	`cap` int,
	CONSTRAINT `customer_tickets_pk` PRIMARY KEY(`event_id`,`customer_id`),
	CONSTRAINT `customer_tickets_cap` CHECK (`cap` IS NULL OR `tickets` <= `cap`)
);
