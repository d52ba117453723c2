/**
 * The test kit (test/kit/) that tests, chaos runs and benches share: what it promises, on
 * the real Redis and MariaDB, since every other test trusts it to leave the servers clean.
 */
import { afterAll, describe, expect, test } from "bun:test";
import Redis from "ioredis";
import { createPool } from "mysql2/promise";
import { eventKeys, globalKeys } from "../common/keys.ts";
import { admitNextFans } from "./kit/admit.ts";
import { uniqueEventId } from "./kit/event-ids.ts";
import { obliterateEvent } from "./kit/obliterate.ts";
import { SseParser } from "./kit/sse.ts";
import { newOpenEvent } from "./kit/waiting-room.ts";

const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
const pool = createPool({ uri: process.env.DATABASE_URL ?? "mysql://root@127.0.0.1:3306/test", connectionLimit: 2 });
const events: string[] = [];
/** A new open (and registered) waiting room, obliterated after the file even when a test fails midway. */
const openEvent = async (label: string, registered = false) => {
  const eventId = await newOpenEvent(redis, label, { registered });
  events.push(eventId);
  return eventId;
};
afterAll(async () => {
  for (const eventId of events) await obliterateEvent(redis, pool, eventId);
  redis.disconnect();
  await pool.end();
});

const countRows = async (eventId: string) => ((await pool.query("SELECT COUNT(*) AS n FROM events WHERE id = ?", [eventId])) as unknown as [[{ n: number }]])[0][0].n;

describe("test kit", () => {
  test("event ids are unique and valid however long the label", () => {
    const ids = Array.from({ length: 1000 }, () => uniqueEventId("a-label-much-longer-than-an-event-id-may-be-on-its-own-at-all"));
    expect(new Set(ids).size).toBe(1000);
    for (const id of ids) expect(id.length).toBeLessThanOrEqual(64);
  });

  test("obliterating an event removes its keys, its registry entry and its rows, and nothing of another event", async () => {
    const gone = await openEvent("kit-gone", true);
    const kept = await openEvent("kit-kept", true);
    // more keys than one SCAN step returns
    const seats = redis.pipeline();
    for (let i = 0; i < 6000; i++) seats.set(eventKeys(gone).seat(`S-${i}`), "hold");
    await seats.exec();
    await pool.query("INSERT INTO events (id, name, venue, starts_at, sale_opens_at, created_at) VALUES (?, 'Kit night', 'Kit hall', NOW(), NOW(), NOW())", [gone]);

    await obliterateEvent(redis, pool, gone);

    expect(await redis.exists(eventKeys(gone).queueState, eventKeys(gone).seat("S-0"), eventKeys(gone).seat("S-5999"))).toBe(0);
    expect(await redis.sismember(globalKeys.queues, gone)).toBe(0);
    expect(await countRows(gone)).toBe(0);
    expect(await redis.hget(eventKeys(kept).queueState, "status")).toBe("open");
    expect(await redis.sismember(globalKeys.queues, kept)).toBe(1);
  });

  test("fans are admitted through the real admission script, in arrival order, and never beside a scheduler that leads the event", async () => {
    const eventId = await openEvent("kit-admit");
    const k = eventKeys(eventId);
    const now = Date.now();
    await redis.zadd(k.queue, 1, "first", 2, "second", 3, "third");
    await redis.zadd(k.seen, now, "first", now, "second", now, "third");

    expect(await admitNextFans(redis, eventId, 2)).toBe(2);
    expect((await redis.zrange(k.admitted, 0, -1)).sort()).toEqual(["first", "second"]);
    expect(await redis.exists(k.schedulerLease)).toBe(0);

    await redis.set(k.schedulerLease, "origin-1:1");
    await expect(admitNextFans(redis, eventId, 1)).rejects.toThrow(/a scheduler leads/);
    expect(await redis.zrange(k.queue, 0, -1)).toEqual(["third"]);
  });

  test("an SSE event split across chunks is read once, whole; heartbeats are comments; retry is kept", () => {
    const parser = new SseParser();
    expect(parser.push("retry: 3000\n\n: heart")).toEqual([]);
    expect(parser.retry).toBe(3000);
    expect(parser.push("beat\n\nid: 7\nevent: posi")).toEqual([{ comment: "heartbeat" }]);
    expect(parser.push('tion\ndata: {"position":2}\n\n')).toEqual([{ event: "position", data: '{"position":2}', id: "7" }]);
  });
});
