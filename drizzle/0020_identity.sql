ALTER TABLE `waiting_rooms` ADD `identity` varchar(8);--> statement-breakpoint
CREATE TABLE `passkey_credentials` (
	`credential_id` varchar(255) NOT NULL,
	`user_handle` varchar(64) NOT NULL,
	`public_key` varbinary(1024) NOT NULL,
	`counter` bigint unsigned NOT NULL DEFAULT 0,
	`transports` varchar(128),
	`created_at` datetime(3) NOT NULL,
	`last_used_at` datetime(3),
	CONSTRAINT `passkey_credentials_credential_id` PRIMARY KEY(`credential_id`)
);
