ALTER TABLE `waiting_rooms` ADD `extension_seconds` int;--> statement-breakpoint
ALTER TABLE `waiting_rooms` ADD `extension_budget_minutes` int;
