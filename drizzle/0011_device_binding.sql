ALTER TABLE `waiting_rooms` ADD `device_binding` varchar(8);
