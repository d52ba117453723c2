CREATE TABLE `room_covers` (
	`room_event_id` varchar(64) NOT NULL,
	`kind` varchar(8) NOT NULL,
	`value` varchar(200) NOT NULL,
	`created_at` datetime(3) NOT NULL,
	CONSTRAINT `room_covers_pk` PRIMARY KEY(`room_event_id`,`kind`,`value`)
);
