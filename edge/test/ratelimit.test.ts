import { describe, expect, setDefaultTimeout, test } from "bun:test";

setDefaultTimeout(20_000);
import { useEdgeWorker } from "./helpers/fixture.ts";
import { newEventId } from "./helpers/redis.ts";
import { call, testEnv } from "./helpers/worker.ts";


const edge = useEdgeWorker({ JOIN_LIMIT_PER_MINUTE: "3", TICKET_LIMIT_PER_MINUTE: "2" });
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

    const realFetch = globalThis.fetch;
    let redisRequests = 0;
    globalThis.fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
      if (String(input instanceof Request ? input.url : input).startsWith(edge.bridgeUrl)) redisRequests++;
      return realFetch(input, init);
    }) as typeof fetch;
    try {
      expect((await join("198.51.100.1")).status).toBe(429);
      expect(redisRequests).toBe(0);
    } finally {
      globalThis.fetch = realFetch;
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

  test("a limiter that does not answer in time refuses joins (503), never lets them through", async () => {
    const stalled = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Promise<Response>(() => {}) });
    try {
      const slow = testEnv(`http://127.0.0.1:${stalled.port}`, { RATE_LIMIT_TIMEOUT_MS: "200" });
      const started = Date.now();
      const res = await call(slow, `/queue/${newEventId("rl-timeout")}/join`, { method: "POST", ip: "198.51.100.20" });
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("5");
      expect(await res.json()).toMatchObject({ code: "RATE_LIMIT_UNAVAILABLE" });
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      stalled.stop(true);
    }
  });

  test("when Redis cannot be reached at all, fans get 503 JSON with Retry-After, never a 500", async () => {
    const dead = testEnv("http://127.0.0.1:9", { RATE_LIMIT_TIMEOUT_MS: "300" });
    const eventId = await freshEvent("rl-dead");
    const jar = new Map<string, string>();
    await call(edge.env, `/queue/${eventId}/join`, { method: "POST", jar, ip: "198.51.100.30" });
    for (const [path, method] of [
      [`/queue/${eventId}/join`, "POST"],
      [`/queue/${eventId}/status`, "GET"],
      [`/queue/${eventId}/claim`, "POST"],
      [`/queue/${eventId}/events`, "GET"],
    ] as const) {
      const res = await call(dead, path, { method, jar: new Map(jar), ip: "198.51.100.31" });
      expect(res.status, path).toBe(503);
      expect(res.headers.get("retry-after"), path).toBe("5");
      expect(((await res.json()) as any).code, path).toMatch(/^(UNAVAILABLE|RATE_LIMIT_UNAVAILABLE)$/);
    }
  });
});
