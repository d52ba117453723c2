ALTER TABLE `waiting_rooms` ADD `min_chance` int;
