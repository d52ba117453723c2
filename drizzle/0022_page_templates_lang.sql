ALTER TABLE `page_templates` ADD `lang` varchar(8) DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `page_templates` DROP PRIMARY KEY, ADD PRIMARY KEY(`event_id`,`kind`,`lang`);
