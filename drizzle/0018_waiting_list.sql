CREATE TABLE `waitlist_entries` (
	`event_id` varchar(64) NOT NULL,
	`place` int unsigned NOT NULL,
	`ticket_id` varchar(64) NOT NULL,
	`quantity` smallint unsigned NOT NULL,
	`tier` varchar(32),
	`contact` varchar(200),
	`status` varchar(16) NOT NULL DEFAULT 'waiting',
	`joined_at` datetime(3) NOT NULL,
	`offered_at` datetime(3),
	`offer_deadline` datetime(3),
	`offer_seats` varchar(512),
	`ended_at` datetime(3),
	CONSTRAINT `waitlist_entries_pk` PRIMARY KEY(`event_id`,`place`),
	CONSTRAINT `waitlist_entries_ticket` UNIQUE(`event_id`,`ticket_id`)
);
