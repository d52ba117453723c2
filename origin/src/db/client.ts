import { drizzle, type MySql2Database } from "drizzle-orm/mysql2";
import mysql from "mysql2/promise";
import * as schema from "./schema/index.ts";

export type Db = MySql2Database<typeof schema> & { $client: mysql.Pool };

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
  // multipleStatements lets a purchase send its whole transaction in one round trip
  // (orders/repository.ts). Every query passes values as parameters, never as SQL text.
  const pool = mysql.createPool({ ...connectionOptions(databaseUrl), connectionLimit: poolSize, maxIdle: poolSize, queueLimit: 0, multipleStatements: true });
  const db = drizzle({ client: pool, schema, mode: "default" });
  return { db, pool, close: () => pool.end() };
}
