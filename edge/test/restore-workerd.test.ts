/**
 * Redis killed under open streams, through the production Worker in workerd (one isolate)
 * with standard EventSource clients: one failed shared read turns every stream of the
 * isolate to `restoring`, not only the one that made the read; no stream sends a position
 * from the kill until the line is restored; a client that connects meanwhile is answered
 * 200 and told the same, so it never gives up; and once the origin's restore is written
 * (here directly, as its script writes it) every stream resumes with its fan back at their
 * own number, in the order they had.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { EventSource } from "eventsource";
import Redis from "ioredis";
import { eventKeys, globalKeys } from "../../common/keys.ts";
import { PrivateRedis } from "../../test/kit/private-redis.ts";
import { startBridge, type TestBridge } from "../../test/kit/bridge.ts";
import { startWorkerdEdge, type WorkerdEdge } from "../../test/kit/workerd-edge.ts";
import { uniqueEventId } from "../../test/kit/event-ids.ts";

setDefaultTimeout(60_000);

let server: PrivateRedis;
let redis: Redis;
let bridge: TestBridge;
let edge: WorkerdEdge;
const sources: EventSource[] = [];

beforeAll(async () => {
  server = await PrivateRedis.start();
  redis = new Redis(server.url);
  bridge = await startBridge({ redisUrl: server.url });
  edge = await startWorkerdEdge({ upstashUrl: bridge.url, vars: { TICK_MS: "200", HEARTBEAT_SECONDS: "1", PRESENCE_GRACE_SECONDS: "30" } });
});
afterAll(async () => {
  for (const s of sources) s.close();
  await edge?.stop();
  await bridge?.stop();
  redis?.disconnect();
  await server?.kill();
});

interface Watched {
  num: number;
  events: Array<{ event: string; data: any; at: number }>;
  source: EventSource;
  /** resolves with the first event named `name` received after `since` */
  next(name: string, since: number, timeoutMs?: number): Promise<{ event: string; data: any; at: number }>;
  /** resolves once more than `count` events have come */
  grown(count: number): Promise<void>;
}

function watch(eventId: string, ticket: string, num: number): Watched {
  const withTicket: typeof fetch = ((input: RequestInfo | URL, init: RequestInit = {}) =>
    fetch(input, { ...init, headers: { ...(init.headers as Record<string, string>), "x-queue-ticket": ticket } })) as typeof fetch;
  const source = new EventSource(`${edge.url}/queue/${eventId}/events`, { fetch: withTicket });
  sources.push(source);
  const events: Watched["events"] = [];
  const waiters: Array<() => void> = [];
  for (const name of ["position", "restoring", "admitted", "expired", "closed"]) {
    source.addEventListener(name, (e) => {
      events.push({ event: name, data: JSON.parse((e as MessageEvent).data), at: Date.now() });
      for (const w of waiters.splice(0)) w();
    });
  }
  return {
    num,
    events,
    source,
    next(name, since, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${name} event for number ${num}; saw ${events.map((e) => e.event).join(",")}`)), timeoutMs);
        const check = () => {
          const found = events.find((e) => e.event === name && e.at >= since);
          if (found) {
            clearTimeout(timer);
            resolve(found);
          } else waiters.push(check);
        };
        check();
      });
    },
    grown(count) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no new event for number ${num}`)), 20_000);
        const check = () => {
          if (events.length > count) {
            clearTimeout(timer);
            resolve();
          } else waiters.push(check);
        };
        check();
      });
    },
  };
}

async function join(eventId: string, i: number) {
  const res = await fetch(`${edge.url}/queue/${eventId}/join`, { method: "POST", headers: { "cf-connecting-ip": `2001:db8::${(i + 1).toString(16)}` } });
  expect(res.status).toBe(201);
  return (await res.json()) as { ticket: string; ticketNumber: number };
}

describe("Redis killed under open streams, in workerd", () => {
  test("every stream of the isolate says `restoring` and none sends a position until the restore; then each resumes at its own number", async () => {
    const eventId = uniqueEventId("kill");
    const k = eventKeys(eventId);
    await redis.hset(k.queueState, { status: "open" });
    await redis.sadd(globalKeys.queues, eventId);
    const fans = [];
    for (let i = 0; i < 20; i++) fans.push(await join(eventId, i));
    const streams = fans.map((f) => watch(eventId, f.ticket, f.ticketNumber));
    await Promise.all(streams.map((s) => s.next("position", 0)));
    for (const s of streams) expect(s.events.at(-1)!.data.position).toBe(s.num);

    const before = streams.map((s) => s.events.length);
    const killedAt = Date.now();
    await server.kill();
    const told = await Promise.all(streams.map((s) => s.next("restoring", killedAt)));
    for (const ev of told) expect(ev.data).toEqual({ eventId, status: "restoring", code: "RESTORING", message: "We are restoring the line; you keep your place." });

    // a fan connecting while Redis is down: 200 and told the same, so the EventSource keeps going
    const refused = await fetch(`${edge.url}/queue/${eventId}/join`, { method: "POST", headers: { "cf-connecting-ip": "2001:db8::ff" } });
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await refused.json()) as { code: string }).code).toBe("UNAVAILABLE");
    const reconnecting = watch(eventId, fans[0]!.ticket, fans[0]!.ticketNumber);
    await reconnecting.next("restoring", killedAt);
    expect(reconnecting.source.readyState).toBe(EventSource.OPEN);

    // Redis comes back empty: still restoring (no status), never open
    await server.up();
    redis.disconnect();
    redis = new Redis(server.url);
    await redis.ping();
    await Bun.sleep(1000); // a few ticks read the empty state
    expect(await redis.exists(k.queueState)).toBe(0);

    // the origin's restore: state, counter above every number issued, every number in lost and gone
    const restoredAt = Date.now();
    const numbers = Array.from({ length: 120 }, (_, i) => i + 1);
    await redis
      .multi()
      .hset(k.queueState, { status: "open", restoredAt, restoreKind: "full" })
      .set(k.serving, 0)
      .set(k.seq, 120)
      .zadd(k.lost, ...numbers.flatMap((n) => [n, n]))
      .zadd(k.gone, ...numbers.flatMap((n) => [n, n]))
      .sadd(globalKeys.queues, eventId)
      .exec();
    const resumed = await Promise.all(streams.map((s) => s.next("position", restoredAt)));
    expect(resumed.map((p) => p.data.ticketNumber)).toEqual(fans.map((f) => f.ticketNumber));
    // nothing but `restoring` between the kill and the restore, on every stream
    for (const [i, s] of streams.entries()) expect(s.events.slice(before[i]).filter((e) => e.at < restoredAt).map((e) => e.event)).toEqual(["restoring"]);
    // every fan is back at their own number, in the order they had
    const waiting = await redis.zrange(k.queue, 0, -1, "WITHSCORES");
    expect(waiting.filter((_, i) => i % 2 === 1).map(Number)).toEqual(fans.map((f) => f.ticketNumber));
    expect(await redis.hget(k.queueState, "replacedTotal")).toBe("20");
    // and once the isolate's snapshot has caught up, each stream shows its true position
    await Promise.all(
      streams.map(async (s) => {
        for (;;) {
          const seen = s.events.length;
          if (s.events.filter((e) => e.event === "position").at(-1)?.data.position === s.num) return;
          await s.grown(seen);
        }
      }),
    );
    expect(reconnecting.source.readyState).toBe(EventSource.OPEN);
  });
});
