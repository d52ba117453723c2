/**
 * Faults between the edge and its neighbours, with a real origin behind the Worker: the
 * edge losing Redis (joins fail closed, admitted fans keep buying until their token ends)
 * and clocks that disagree between edge and origin by a few seconds.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { eventKeys } from "../common/keys.ts";
import { signActiveToken, type SigningJwk } from "../common/tokens.ts";
import type { Env } from "../edge/src/env.ts";
import { startBridge } from "../test/kit/bridge.ts";
import { admitHead, dropEvent, openQueue, redis } from "../edge/test/helpers/redis.ts";
import { call, testEnv } from "../edge/test/helpers/worker.ts";
import { Harness } from "../origin/test/support/harness.ts";

setDefaultTimeout(30_000);

let h: Harness;
let bridge: Awaited<ReturnType<typeof startBridge>>;
let env: Env;
let deadRedisEnv: Env;

beforeAll(async () => {
  h = await Harness.create("chaos-edgefault", { event: { perOrderLimit: 1, sections: [{ name: "A", rows: 4, seatsPerRow: 25, tier: "standard", priceCents: 1000 }] } });
  await openQueue(h.eventId);
  const server = h.app.listen({ port: 0, hostname: "127.0.0.1" });
  bridge = await startBridge();
  const origin = `http://127.0.0.1:${server.server!.port}`;
  env = testEnv(bridge.url, { ORIGIN_URL: origin });
  // nothing listens on port 9: the edge's Redis (Upstash REST) is gone
  deadRedisEnv = testEnv("http://127.0.0.1:9", { ORIGIN_URL: origin, RATE_LIMIT_TIMEOUT_MS: "300" });
});
afterAll(async () => {
  await h.app.stop(true);
  await dropEvent(h.eventId);
  await h.close();
  await bridge.stop();
});

let n = 0;
async function admitted(count: number) {
  const fans = [];
  for (let i = 0; i < count; i++) {
    const jar = new Map<string, string>();
    const ip = `198.19.0.${++n}`;
    expect((await call(env, `/queue/${h.eventId}/join`, { method: "POST", jar, ip })).status).toBe(201);
    fans.push({ jar, ip });
  }
  await admitHead(h.eventId, count);
  for (const fan of fans) expect((await call(env, `/queue/${h.eventId}/claim`, { method: "POST", jar: fan.jar, ip: fan.ip })).status).toBe(200);
  return fans;
}

describe("the edge loses Redis", () => {
  test("joins, status and claims fail closed with 503 JSON and Retry-After, the page is readable HTML; admitted fans keep buying", async () => {
    const fans = await admitted(30);
    const waiting = new Map<string, string>();
    await call(env, `/queue/${h.eventId}/join`, { method: "POST", jar: waiting, ip: "198.19.1.1" });
    const queueBefore = await redis.zcard(eventKeys(h.eventId).queue);

    const refused = await Promise.all(
      Array.from({ length: 30 }, (_, i) => call(deadRedisEnv, `/queue/${h.eventId}/join`, { method: "POST", ip: `198.19.2.${i + 1}` })),
    );
    for (const r of refused) {
      expect(r.status).toBe(503);
      expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(await r.json()).toEqual({ code: expect.stringMatching(/^(UNAVAILABLE|RATE_LIMIT_UNAVAILABLE)$/), message: expect.any(String) });
    }
    for (const [path, method] of [[`/queue/${h.eventId}/status`, "GET"], [`/queue/${h.eventId}/claim`, "POST"]] as const) {
      const r = await call(deadRedisEnv, path, { method, jar: new Map(waiting), ip: "198.19.1.1" });
      expect(r.status).toBe(503);
      expect(((await r.json()) as { code: string }).code).toMatch(/UNAVAILABLE/);
    }
    const page = await call(deadRedisEnv, `/events/${h.eventId}`, { ip: "198.19.3.1", headers: { accept: "text/html" } });
    expect(page.status).toBe(503);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toMatch(/<html|<!doctype/i);
    expect(await redis.zcard(eventKeys(h.eventId).queue)).toBe(queueBefore);

    // admitted fans: the edge checks their token's signature only, so they keep buying
    const bought = await Promise.all(
      fans.map(async (fan, i) => {
        const seat = `A-${Math.floor(i / 25) + 1}-${(i % 25) + 1}`;
        const held = await call(deadRedisEnv, `/api/events/${h.eventId}/holds`, { method: "POST", jar: fan.jar, ip: fan.ip, body: JSON.stringify({ seatIds: [seat] }), headers: { "content-type": "application/json" } });
        expect(held.status).toBe(201);
        const { holdId } = (await held.json()) as { holdId: string };
        const paid = await call(deadRedisEnv, `/api/events/${h.eventId}/holds/${holdId}/purchase`, { method: "POST", jar: fan.jar, ip: fan.ip, headers: { "idempotency-key": crypto.randomUUID() } });
        return paid.status;
      }),
    );
    expect(bought).toEqual(Array(30).fill(201));
    expect(await h.reservationsOf("A-1-1")).toHaveLength(1);
  });
});

describe("clock skew between edge and origin", () => {
  const key = () => (JSON.parse(env.ACTIVE_SIGNING_KEYS) as SigningJwk[])[0]!;
  const seatMap = (token: string) => h.call("GET", `/api/events/${h.eventId}/seats`, { token });

  test("an edge 3 s ahead or behind: 100 concurrent fans are served; 8 s ahead is refused", async () => {
    const sessions = await h.sessions(100);
    const now = Math.floor(Date.now() / 1000);
    for (const [skew, expected] of [[3, 200], [-3, 200], [8, 401]] as const) {
      const answers = await Promise.all(sessions.map(async (s) => (await seatMap(await signActiveToken({ evt: h.eventId, sid: s.sid }, 600, key(), now + skew))).status));
      expect({ skew, answers: [...new Set(answers)] }).toEqual({ skew, answers: [expected] });
    }
  });

  test("an expired token lives at most the 5 s leeway: 3 s after expiry it works, 6 s after it is refused", async () => {
    const [fan] = await h.sessions(1);
    const now = Math.floor(Date.now() / 1000);
    // issued so that it expired 3 s / 6 s ago by the origin's clock
    expect((await seatMap(await signActiveToken({ evt: h.eventId, sid: fan!.sid }, 60, key(), now - 63))).status).toBe(200);
    expect((await seatMap(await signActiveToken({ evt: h.eventId, sid: fan!.sid }, 60, key(), now - 66))).status).toBe(401);
  });
});
