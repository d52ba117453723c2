/**
 * The front door under a burst, through the production Worker in workerd (Miniflare, the
 * JoinBatcher Durable Object bound as in wrangler.toml), the dev Upstash bridge and a
 * private redis-server, so the Redis commands counted are this file's alone.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { EventSource } from "eventsource";
import Redis from "ioredis";
import { eventKeys } from "../../common/keys.ts";
import { PrivateRedis } from "../../test/kit/private-redis.ts";
import { startBridge, type TestBridge } from "../../test/kit/bridge.ts";
import { startWorkerdEdge, type WorkerdEdge } from "../../test/kit/workerd-edge.ts";
import { uniqueEventId } from "../../test/kit/event-ids.ts";
import { newOpenEvent } from "../../test/kit/waiting-room.ts";

setDefaultTimeout(120_000);

let server: PrivateRedis;
let redis: Redis;
let bridge: TestBridge;
let edge: WorkerdEdge;

beforeAll(async () => {
  server = await PrivateRedis.start();
  redis = new Redis(server.url);
  bridge = await startBridge({ redisUrl: server.url });
  edge = await startWorkerdEdge({ upstashUrl: bridge.url, vars: { TICK_MS: "200", HEARTBEAT_SECONDS: "1" } });
});

afterAll(async () => {
  await edge?.stop();
  await bridge?.stop();
  redis?.disconnect();
  await server?.kill();
});

const openEvent = (label: string) => newOpenEvent(redis, label);

/** A documentation-range IPv6 address per fan: every fan comes from its own network. */
const ipOf = (i: number) => `2001:db8::${(i + 1).toString(16)}`;

async function burst(eventId: string, fans: number) {
  const replies = await Promise.all(
    Array.from({ length: fans }, async (_, i) => {
      const res = await fetch(`${edge.url}/queue/${eventId}/join`, { method: "POST", headers: { "cf-connecting-ip": ipOf(i) } });
      const text = await res.text();
      return { status: res.status, body: res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text };
    }),
  );
  return replies;
}

function expectEveryFanPlaced(replies: Awaited<ReturnType<typeof burst>>, fans: number) {
  const statuses = new Map<number, number>();
  for (const r of replies) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
  expect(Object.fromEntries(statuses)).toEqual({ 201: fans });
  const numbers = replies.map((r) => r.body.ticketNumber as number).sort((a, b) => a - b);
  expect(numbers).toEqual(Array.from({ length: fans }, (_, i) => i + 1));
  // nobody has been admitted or left: a fan's position is their number
  for (const r of replies) expect(r.body.position).toBe(r.body.ticketNumber);
}

async function commandsProcessed(): Promise<number> {
  const stats = await redis.info("commandstats");
  let total = 0;
  for (const m of stats.matchAll(/^cmdstat_[^:]+:calls=(\d+)/gm)) total += Number(m[1]);
  return total;
}

describe("the front door in workerd", () => {
  test("2,000 fans joining at the same instant all get a place: numbers 1..2,000, none reused, every position exact, no 5xx", async () => {
    const eventId = await openEvent("burst");
    expectEveryFanPlaced(await burst(eventId, 2000), 2000);
    const k = eventKeys(eventId);
    expect(await redis.zcard(k.queue)).toBe(2000);
    expect(Number(await redis.get(k.seq))).toBe(2000);
  });

  test("a join costs at most 4 Redis commands and at most one Upstash request, counted over a burst of 2,000", async () => {
    const eventId = await openEvent("cost");
    const commandsBefore = await commandsProcessed();
    const requestsBefore = bridge.stats.requests;
    expectEveryFanPlaced(await burst(eventId, 2000), 2000);
    // INFO itself is one command; every command a script runs counts, as on Upstash's bill
    const commandsPerJoin = ((await commandsProcessed()) - commandsBefore - 1) / 2000;
    const requestsPerJoin = (bridge.stats.requests - requestsBefore) / 2000;
    console.log(`front door: ${commandsPerJoin.toFixed(2)} Redis commands and ${requestsPerJoin.toFixed(3)} Upstash requests per join`);
    expect(commandsPerJoin).toBeLessThanOrEqual(4);
    expect(requestsPerJoin).toBeLessThanOrEqual(1);
  });

  test("the same burst while Redis is busy with other work still places every fan, none refused", async () => {
    const eventId = await openEvent("busy");
    // four clients keep Redis's one thread busy with 2 ms scripts for the whole burst
    const busy = "local s = redis.call('TIME') repeat local n = redis.call('TIME') until (n[1] - s[1]) * 1000000 + (n[2] - s[2]) >= 2000 return 1";
    const loaders = Array.from({ length: 4 }, () => new Redis(server.url));
    let stop = false;
    let busyScripts = 0;
    const loops = loaders.map(async (c) => {
      while (!stop) {
        await c.eval(busy, 0);
        busyScripts++;
      }
    });
    try {
      await Bun.sleep(200);
      expectEveryFanPlaced(await burst(eventId, 2000), 2000);
    } finally {
      stop = true;
      await Promise.all(loops);
      for (const c of loaders) c.disconnect();
    }
    expect(busyScripts).toBeGreaterThan(100);
  });

  test("a standard EventSource client gets `admitted` once and stops; a reconnect after the final event gets 204", async () => {
    const eventId = await openEvent("sse-end");
    const joined = await fetch(`${edge.url}/queue/${eventId}/join`, { method: "POST", headers: { "cf-connecting-ip": ipOf(0) } });
    const { ticket } = (await joined.json()) as { ticket: string };
    const withTicket: typeof fetch = ((input: RequestInfo | URL, init: RequestInit = {}) =>
      fetch(input, { ...init, headers: { ...(init.headers as Record<string, string>), "x-queue-ticket": ticket } })) as typeof fetch;
    const es = new EventSource(`${edge.url}/queue/${eventId}/events`, { fetch: withTicket });
    const seen: string[] = [];
    const stopped = new Promise<number | undefined>((resolve) => {
      es.addEventListener("admitted", () => seen.push("admitted"));
      es.addEventListener("position", () => {
        if (!seen.includes("position")) {
          seen.push("position");
          // the scheduler's turn: the head of the line is admitted with a claim window
          const k = eventKeys(eventId);
          void (async () => {
            const [tid] = await redis.zrange(k.queue, 0, 0);
            await redis.multi().zrem(k.queue, tid!).zrem(k.seen, tid!).zadd(k.admitted, Date.now() + 60_000, tid!).set(k.serving, 1).exec();
          })();
        }
      });
      es.onerror = (e) => {
        if (es.readyState === EventSource.CLOSED) resolve(e.code);
      };
    });
    const code = await stopped;
    es.close();
    expect(seen).toEqual(["position", "admitted"]);
    expect(code).toBe(204);
    const raw = await fetch(`${edge.url}/queue/${eventId}/events`, { headers: { "x-queue-ticket": ticket, "last-event-id": "end" } });
    expect(raw.status).toBe(204);
  });
});
