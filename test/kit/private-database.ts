/**
 * A MySQL database of a test's own on the shared server, migrated, and dropped at the end.
 * An origin's scheduler leads every waiting room its database holds and every one Redis
 * lists, so a stack whose origin must lead only its own rooms (its settings, its mail
 * server) gets a database and a Redis of its own: on shared ones, the origin of another
 * file running beside it could take a room's lease and admit with other settings, or
 * restore a room that file's cleanup had just removed from Redis.
 */
import mysql from "mysql2/promise";
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
  const onServer = async (sql: string) => {
    const server = await mysql.createConnection({ host: base.hostname, port: Number(base.port || 3306), user: decodeURIComponent(base.username || "root"), password: decodeURIComponent(base.password) });
    await server.query(sql).finally(() => server.end());
  };
  const drop = () => onServer(`DROP DATABASE IF EXISTS \`${name}\``);
  await drop();
  await migrateDatabase(url);
  return { name, url, drop };
}
