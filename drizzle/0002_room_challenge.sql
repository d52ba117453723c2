ALTER TABLE `waiting_rooms` ADD `challenge` varchar(16);
--> statement-breakpoint
ALTER TABLE `waiting_rooms` ADD `challenge_failure` varchar(16);
