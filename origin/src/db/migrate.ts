/**
 * Applies the migrations in drizzle/ with drizzle's migrator. Creates the database when it
 * is missing, and takes a MySQL named lock so two processes never migrate at once.
 */
import { join } from "node:path";
import mysql from "mysql2/promise";
import { drizzle } from "drizzle-orm/mysql2";
import { migrate } from "drizzle-orm/mysql2/migrator";
import { connectionOptions } from "./client.ts";

const migrationsFolder = join(import.meta.dir, "..", "..", "..", "drizzle");

export async function migrateDatabase(databaseUrl: string): Promise<void> {
  const { database, ...server } = connectionOptions(databaseUrl);
  const admin = await mysql.createConnection(server);
  try {
    await admin.query(`CREATE DATABASE IF NOT EXISTS \`${String(database).replace(/`/g, "``")}\``);
  } finally {
    await admin.end();
  }
  const connection = await mysql.createConnection({ ...server, database });
  try {
    const [[lock]] = (await connection.query("SELECT GET_LOCK('concert-u:migrate', 60) AS got")) as unknown as [[{ got: number }]];
    if (lock?.got !== 1) throw new Error("another process holds the migration lock");
    try {
      await migrate(drizzle({ client: connection }), { migrationsFolder });
    } finally {
      await connection.query("SELECT RELEASE_LOCK('concert-u:migrate')");
    }
  } finally {
    await connection.end();
  }
}

if (import.meta.main) {
  const url = process.env.DATABASE_URL ?? "mysql://root@127.0.0.1:3306/test";
  try {
    await migrateDatabase(url);
    console.log("migrations applied");
  } catch (error) {
    console.error(`migration failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
