/** Whether a Redis or MySQL server answers at a URL: `bun run dev` starts private ones when not. */
import Redis from "ioredis";
import mysql from "mysql2/promise";

/** True when a Redis server answers PING at `url`. */
export async function redisAnswers(url: string, timeoutMs = 1000): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on("error", () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/** True when a MySQL/MariaDB server accepts a connection at `url`. */
export async function mysqlAnswers(url: string, timeoutMs = 1500): Promise<boolean> {
  try {
    const conn = await mysql.createConnection({ uri: url, connectTimeout: timeoutMs });
    await conn.query("SELECT 1");
    await conn.end();
    return true;
  } catch {
    return false;
  }
}
