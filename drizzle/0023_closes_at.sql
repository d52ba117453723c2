ALTER TABLE `waiting_rooms` ADD `closes_at` datetime(3);
