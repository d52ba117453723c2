ALTER TABLE `waiting_rooms` ADD `presence_grace_seconds` int;
