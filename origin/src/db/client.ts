import { drizzle, type MySql2Database } from "drizzle-orm/mysql2";
import mysql from "mysql2/promise";
import * as schema from "./schema/index.ts";

export type Db = MySql2Database<typeof schema>;

export interface Database {
  db: Db;
  pool: mysql.Pool;
  close(): Promise<void>;
}

export function connectionOptions(databaseUrl: string): mysql.PoolOptions {
  const url = new URL(databaseUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username || "root"),
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.replace(/^\//, "")),
    timezone: "Z",
    connectTimeout: 5000,
    enableKeepAlive: true,
  };
}

export function createDatabase(databaseUrl: string, poolSize = 16): Database {
  const pool = mysql.createPool({ ...connectionOptions(databaseUrl), connectionLimit: poolSize, maxIdle: poolSize, queueLimit: 0 });
  const db = drizzle({ client: pool, schema, mode: "default" });
  return { db, pool, close: () => pool.end() };
}
