import { bigint, customType, datetime, mysqlTable, varchar } from "drizzle-orm/mysql-core";

const varbinary = customType<{ data: Uint8Array; driverData: Buffer }>({
  dataType: () => "varbinary(1024)",
  toDriver: (value) => Buffer.from(value),
  fromDriver: (value) => new Uint8Array(value),
});

/**
 * Passkeys fans made for the identity step (WebAuthn, docs/IDENTITY.md): the credential's
 * public key and signature counter, and the random user handle the passkey carries, whose
 * keyed hash is the fan's identity. Nothing names the fan: no address, no name. Not per
 * event: one passkey proves the same fan in every sale of this site.
 */
export const passkeyCredentials = mysqlTable("passkey_credentials", {
  /** base64url credential id */
  credentialId: varchar("credential_id", { length: 255 }).primaryKey(),
  /** base64url random user handle, made at registration */
  userHandle: varchar("user_handle", { length: 64 }).notNull(),
  publicKey: varbinary("public_key").notNull(),
  counter: bigint("counter", { mode: "number", unsigned: true }).notNull().default(0),
  /** comma-separated transports the authenticator named */
  transports: varchar("transports", { length: 128 }),
  createdAt: datetime("created_at", { mode: "date", fsp: 3 }).notNull(),
  lastUsedAt: datetime("last_used_at", { mode: "date", fsp: 3 }),
});

export type PasskeyCredentialRow = typeof passkeyCredentials.$inferSelect;
