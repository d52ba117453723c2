CREATE TABLE `page_templates` (
	`event_id` varchar(64) NOT NULL,
	`kind` varchar(16) NOT NULL,
	`html` mediumtext NOT NULL,
	`updated_at` datetime(3) NOT NULL,
	CONSTRAINT `page_templates_pk` PRIMARY KEY(`event_id`,`kind`)
);
