ALTER TABLE `waiting_rooms` ADD `choice_margin_seats` int;
