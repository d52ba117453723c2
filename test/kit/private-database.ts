/**
 * A MySQL database of a test's own on the shared server, migrated, and dropped at the end.
 * An origin's scheduler leads every waiting room its database holds and every one its Redis
 * lists, so a stack whose origin must lead its own rooms and no others (its settings, its
 * mail server) gets a database and a Redis of its own. On the shared pair of a test worker
 * (test/kit/worker-services.ts) a room an earlier file left behind would be led by this
 * origin, and this file's rooms by any origin of the worker that outlives it.
 */
import mysql from "mysql2/promise";
import { connectionOptions } from "../../origin/src/db/client.ts";
import { migrateDatabase } from "../../origin/src/db/migrate.ts";
import { DEFAULT_DATABASE_URL } from "./worker-services.ts";

export interface PrivateDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

let made = 0;

/** `<shared database>_<label>_<pid>_<n>` on the server DATABASE_URL names, migrated. */
export async function createPrivateDatabase(label: string): Promise<PrivateDatabase> {
  const base = new URL(process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL);
  const name = `${base.pathname.slice(1)}_${label}_${process.pid}_${made++}`;
  const url = Object.assign(new URL(base), { pathname: `/${name}` }).toString();
  const drop = async () => {
    const { database: _, ...server } = connectionOptions(url);
    const connection = await mysql.createConnection(server);
    await connection.query(`DROP DATABASE IF EXISTS \`${name}\``).finally(() => connection.end());
  };
  await drop();
  await migrateDatabase(url);
  return { name, url, drop };
}
