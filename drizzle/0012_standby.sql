ALTER TABLE `waiting_rooms` ADD `standby` boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `waiting_rooms` ADD `standby_new_per_minute` int;--> statement-breakpoint
ALTER TABLE `waiting_rooms` ADD `standby_active_sessions` int;--> statement-breakpoint
ALTER TABLE `waiting_rooms` ADD `queueing_status_code` int;
