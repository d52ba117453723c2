CREATE TABLE `bypass_rules` (
	`id` varchar(40) NOT NULL,
	`event_id` varchar(64) NOT NULL,
	`kind` varchar(8) NOT NULL,
	`label` varchar(100) NOT NULL,
	`value` varchar(200) NOT NULL,
	`enabled` boolean NOT NULL DEFAULT true,
	`created_at` datetime(3) NOT NULL,
	CONSTRAINT `bypass_rules_id` PRIMARY KEY(`id`),
	CONSTRAINT `bypass_rules_event_value` UNIQUE(`event_id`,`kind`,`value`)
);
