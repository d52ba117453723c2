import { describe, expect, setDefaultTimeout, test } from "bun:test";

setDefaultTimeout(20_000);
import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis";
import { eventKeys } from "../../common/keys.ts";
import { useEdgeWorker } from "./helpers/fixture.ts";
import { redis } from "./helpers/redis.ts";
import { uniqueEventId } from "../../test/kit/event-ids.ts";
import { call, countRequestsTo, SseReader, testEnv } from "./helpers/worker.ts";


const edge = useEdgeWorker({ JOIN_LIMIT_PER_MINUTE: "3", TICKET_LIMIT_PER_MINUTE: "2" });

/** @upstash/ratelimit itself, reading and writing the record an event's `kind` limiter keeps (the edge's own keys). */
const limiterRecord = (eventId: string, kind: "join" | "ticket", perMinute: number) =>
  new Ratelimit({
    redis: new Redis({ url: edge.bridgeUrl, token: process.env.UPSTASH_REDIS_REST_TOKEN!, enableTelemetry: false }),
    limiter: Ratelimit.slidingWindow(perMinute, "60 s"),
    prefix: eventKeys(eventId).rateLimit(kind),
  });

/** The ticket id a queue ticket carries (its payload, unverified: the test reads its own ticket). */
const ticketIdOf = (ticket: string) => JSON.parse(Buffer.from(ticket.split(".")[1]!, "base64url").toString()).tid as string;
const { freshEvent } = edge;

describe("rate limits", () => {
  test("new joins are limited per client IP with 429 and Retry-After; then blocked from the isolate's cache without asking Redis", async () => {
    const eventId = await freshEvent("rl-join");
    const join = (ip: string, jar = new Map<string, string>()) => call(edge.env, `/queue/${eventId}/join`, { method: "POST", ip, jar });
    const keeper = new Map<string, string>();
    expect((await join("198.51.100.1", keeper)).status).toBe(201);
    expect((await join("198.51.100.1")).status).toBe(201);
    expect((await join("198.51.100.1")).status).toBe(201);
    const limited = await join("198.51.100.1");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await limited.json()).toMatchObject({ code: "RATE_LIMITED" });

    // another IP is not affected; a fan who already holds a ticket is not a new join
    expect((await join("198.51.100.2")).status).toBe(201);
    expect((await join("198.51.100.1", keeper)).status).toBe(200);

    const blocked = await countRequestsTo(edge.bridgeUrl, () => join("198.51.100.1"));
    expect(blocked.result.status).toBe(429);
    expect(blocked.requests).toBe(0);
  });

  test("every new place counts against the IP, whatever ticket the request carries: stale, forged and other-event tickets are limited like none", async () => {
    const eventId = await freshEvent("rl-stale");
    const otherEvent = await freshEvent("rl-stale-other");
    const k = eventKeys(eventId);
    const joinFrom = (ip: string, ticket?: string) =>
      call(edge.env, `/queue/${eventId}/join`, { method: "POST", ip, headers: ticket ? { "x-queue-ticket": ticket } : {} });

    const first: any = await (await joinFrom("198.51.100.50")).json();
    // the fan leaves the line: the ticket is still validly signed but holds no place
    const [leftTid] = await redis.zrange(k.queue, 0, 0);
    await redis.zrem(k.queue, leftTid!);
    await redis.zrem(k.seen, leftTid!);
    const forged = first.ticket.slice(0, -8) + (first.ticket.endsWith("AAAAAAAA") ? "BBBBBBBB" : "AAAAAAAA");
    const other: any = await (await call(edge.env, `/queue/${otherEvent}/join`, { method: "POST", ip: "198.51.100.59" })).json();

    for (const [ip, ticket] of [
      ["198.51.100.50", first.ticket],
      ["198.51.100.51", forged],
      ["198.51.100.52", other.ticket],
    ] as const) {
      const statuses = [];
      for (let i = 0; i < 30; i++) {
        const res = await joinFrom(ip, ticket);
        statuses.push(res.status);
        if (res.status === 429) expect(Number(res.headers.get("retry-after")), ip).toBeGreaterThanOrEqual(1);
      }
      const placed = statuses.filter((s) => s === 201).length;
      // the limit is 3 new places a minute; the stale ticket's IP already used one for its first place
      expect(placed, ip).toBe(ip === "198.51.100.50" ? 2 : 3);
      expect(statuses.filter((s) => s === 429).length, ip).toBe(30 - placed);
    }
  });

  test("status polls and claims are limited per ticket", async () => {
    const eventId = await freshEvent("rl-ticket");
    const jar = new Map<string, string>();
    await call(edge.env, `/queue/${eventId}/join`, { method: "POST", jar, ip: "198.51.100.9" });
    expect((await call(edge.env, `/queue/${eventId}/status`, { jar })).status).toBe(200);
    expect((await call(edge.env, `/queue/${eventId}/status`, { jar })).status).toBe(200);
    const limited = await call(edge.env, `/queue/${eventId}/claim`, { method: "POST", jar });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).not.toBeNull();

    const other = new Map<string, string>();
    await call(edge.env, `/queue/${eventId}/join`, { method: "POST", jar: other, ip: "198.51.100.10" });
    expect((await call(edge.env, `/queue/${eventId}/status`, { jar: other })).status).toBe(200);
  });

  test("a slow Redis makes a new place wait, never refuses it (the limit is decided in the join's own script call)", async () => {
    const eventId = await freshEvent("rl-slow");
    // every Redis call takes 1.5 s: longer than any limiter timeout the edge ever had
    const slowBridge = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(req) {
        await Bun.sleep(1500);
        const url = new URL(req.url);
        return fetch(edge.bridgeUrl + url.pathname, { method: req.method, headers: req.headers, body: await req.arrayBuffer() });
      },
    });
    try {
      const slow = testEnv(`http://127.0.0.1:${slowBridge.port}`, { JOIN_LIMIT_PER_MINUTE: "3" });
      const res = await call(slow, `/queue/${eventId}/join`, { method: "POST", ip: "198.51.100.20" });
      expect(res.status).toBe(201);
      expect(((await res.json()) as any).ticketNumber).toBe(1);
    } finally {
      slowBridge.stop(true);
    }
  });

  test("the join limit is @upstash/ratelimit's own record: its getRemaining reads the joins, and what it counts limits joins", async () => {
    const eventId = await freshEvent("rl-record");
    const limiter = limiterRecord(eventId, "join", 3);
    const ip = "198.51.100.40";
    const join = () => call(edge.env, `/queue/${eventId}/join`, { method: "POST", ip });
    expect((await join()).status).toBe(201);
    expect((await join()).status).toBe(201);
    expect((await limiter.getRemaining(ip)).remaining).toBe(1);
    expect((await limiter.limit(ip)).success).toBe(true); // the limiter itself takes the last one
    expect((await join()).status).toBe(429);
    expect((await limiter.getRemaining("198.51.100.41")).remaining).toBe(3);
  });

  test("polls and stream connects count in @upstash/ratelimit's own per-ticket record: getRemaining reads them, and over the limit a poll is 429 and touches nothing", async () => {
    const eventId = await freshEvent("rl-poll-record");
    const limiter = limiterRecord(eventId, "ticket", 2);
    const jar = new Map<string, string>();
    const joined = (await (await call(edge.env, `/queue/${eventId}/join`, { method: "POST", jar, ip: "198.51.100.50" })).json()) as { ticket: string };
    const tid = ticketIdOf(joined.ticket);
    expect((await call(edge.env, `/queue/${eventId}/status`, { jar })).status).toBe(200);
    expect((await limiter.getRemaining(tid)).remaining).toBe(1);
    // the stream's connect takes the last one
    const stream = await call(edge.env, `/queue/${eventId}/events`, { jar });
    expect(stream.status).toBe(200);
    await stream.body?.cancel();
    expect((await limiter.getRemaining(tid)).remaining).toBe(0);
    const seenBefore = await redis.zscore(eventKeys(eventId).seen, tid);
    await Bun.sleep(5);
    const limited = await call(edge.env, `/queue/${eventId}/status`, { jar });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({ code: "RATE_LIMITED" });
    // refused before the touch: the fan's presence was not refreshed by it
    expect(await redis.zscore(eventKeys(eventId).seen, tid)).toBe(seenBefore);
    const refusedStream = await call(edge.env, `/queue/${eventId}/events`, { jar });
    expect(refusedStream.status).toBe(429);
    // what the limiter counts itself limits polls too
    const other = new Map<string, string>();
    const second = (await (await call(edge.env, `/queue/${eventId}/join`, { method: "POST", jar: other, ip: "198.51.100.51" })).json()) as { ticket: string };
    const tid2 = ticketIdOf(second.ticket);
    expect((await limiter.limit(tid2)).success).toBe(true);
    expect((await call(edge.env, `/queue/${eventId}/status`, { jar: other })).status).toBe(200);
    expect((await limiter.limit(tid2)).success).toBe(false);
    expect((await call(edge.env, `/queue/${eventId}/status`, { jar: other })).status).toBe(429);
  });

  test("when Redis cannot be reached at all, fans get 503 JSON with Retry-After, never a 500; a stream says it is restoring", async () => {
    const dead = testEnv("http://127.0.0.1:9", { RATE_LIMIT_TIMEOUT_MS: "300" });
    const eventId = await freshEvent("rl-dead");
    const jar = new Map<string, string>();
    await call(edge.env, `/queue/${eventId}/join`, { method: "POST", jar, ip: "198.51.100.30" });
    for (const [path, method] of [
      [`/queue/${eventId}/join`, "POST"],
      [`/queue/${eventId}/status`, "GET"],
      [`/queue/${eventId}/claim`, "POST"],
    ] as const) {
      const res = await call(dead, path, { method, jar: new Map(jar), ip: "198.51.100.31" });
      expect(res.status, path).toBe(503);
      expect(res.headers.get("retry-after"), path).toBe("5");
      expect(((await res.json()) as any).code, path).toBe("UNAVAILABLE");
    }
    // an error status would make a browser's EventSource stop for good: the stream opens and says so
    const res = await call(dead, `/queue/${eventId}/events`, { jar: new Map(jar), ip: "198.51.100.31" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("text/event-stream");
    const stream = new SseReader(res);
    expect((await stream.nextEvent("restoring", 5000)).data).toEqual({ eventId, status: "restoring", code: "RESTORING", message: "We are restoring the line; you keep your place." });
    await stream.close();
  });
});
