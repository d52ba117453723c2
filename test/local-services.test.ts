import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Redis from "ioredis";
import mysql from "mysql2/promise";
import { ensureMysql, ensureRedis, type LocalService } from "./kit/local-services.ts";
import { freePort } from "./kit/free-port.ts";

const dataDir = mkdtempSync(join(tmpdir(), "cu-local-"));
const started: LocalService[] = [];
afterAll(async () => {
  for (const s of started) await s.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("bun run dev's private servers", () => {
  test("a REDIS_URL that answers is used as it is", async () => {
    const redis = await ensureRedis("redis://127.0.0.1:6379", dataDir);
    expect(redis).toMatchObject({ url: "redis://127.0.0.1:6379", started: false });
  });

  test("a dead REDIS_URL starts a private redis-server under the data folder", async () => {
    const redis = await ensureRedis(`redis://127.0.0.1:${await freePort()}`, dataDir);
    started.push(redis);
    expect(redis.started).toBe(true);
    expect(existsSync(join(dataDir, "redis"))).toBe(true);
    const client = new Redis(redis.url);
    await client.set("cu:test:private", "yes");
    expect(await client.get("cu:test:private")).toBe("yes");
    client.disconnect();
  });

  test("a dead DATABASE_URL starts a private MariaDB/MySQL with the named database", async () => {
    const db = await ensureMysql(`mysql://root@127.0.0.1:${await freePort()}/cu_dev`, dataDir);
    started.push(db);
    expect(db.started).toBe(true);
    expect(db.url).toEndWith("/cu_dev");
    const conn = await mysql.createConnection({ uri: db.url });
    const [rows] = await conn.query<mysql.RowDataPacket[]>("SELECT DATABASE() AS db");
    expect(rows[0]?.db).toBe("cu_dev");
    await conn.end();
  }, 90_000);
});
