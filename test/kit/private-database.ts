/**
 * A MySQL database of a test's own on the shared server, migrated, and dropped at the end
 * (and, when it is next made, one a test process that died early left behind).
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
  const onServer = async <T>(run: (connection: mysql.Connection) => Promise<T>): Promise<T> => {
    const { database: _, ...server } = connectionOptions(url);
    const connection = await mysql.createConnection(server);
    return run(connection).finally(() => connection.end());
  };
  const drop = async () => {
    await onServer((c) => c.query(`DROP DATABASE IF EXISTS \`${name}\``));
  };
  // what a test process that died before its cleanup left behind
  await onServer(async (c) => {
    const prefix = `${base.pathname.slice(1)}_${label}_`;
    const [rows] = (await c.query("SELECT schema_name AS db FROM information_schema.schemata WHERE schema_name LIKE ?", [`${prefix.replace(/_/g, "\\_")}%`])) as unknown as [Array<{ db: string }>];
    for (const { db } of rows) {
      const pid = Number(db.slice(prefix.length).split("_")[0]);
      if (Number.isInteger(pid) && pid > 0 && !alive(pid)) await c.query(`DROP DATABASE IF EXISTS \`${db}\``);
    }
  });
  await drop();
  await migrateDatabase(url);
  return { name, url, drop };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
