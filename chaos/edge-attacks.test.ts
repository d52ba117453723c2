/**
 * Attacks through the edge Worker in front of a real origin (real Redis and MySQL): odd
 * paths, spoofed headers, tokens in the wrong place and join floods. A recording relay
 * between edge and origin shows exactly what reached the origin.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { UnsecuredJWT } from "jose";
import { eventKeys } from "../common/keys.ts";
import { signActiveToken, signQueueTicket, type SigningJwk } from "../common/tokens.ts";
import { admitHead, dropEvent, openQueue, redis } from "../edge/test/helpers/redis.ts";
import { call, testEnv } from "../edge/test/helpers/worker.ts";
import type { Env } from "../edge/src/env.ts";
import { startBridge } from "../test/kit/bridge.ts";
import { Harness } from "../origin/test/support/harness.ts";
import { uniqueEventId } from "../test/kit/event-ids.ts";
import { snapshot } from "./support/state.ts";

setDefaultTimeout(30_000);

let h: Harness;
let bridge: Awaited<ReturnType<typeof startBridge>>;
let relay: ReturnType<typeof Bun.serve>;
let originServer: { port: number };
let env: Env;
let otherEvent: string;
const reached: Array<{ path: string; headers: Record<string, string> }> = [];
const signingKey = (e: Env) => (JSON.parse(e.ACTIVE_SIGNING_KEYS) as SigningJwk[])[0]!;

beforeAll(async () => {
  h = await Harness.create("chaos-edge");
  otherEvent = uniqueEventId("chaos-edge2");
  await h.createEvent({ id: otherEvent });
  await openQueue(h.eventId);
  await openQueue(otherEvent);
  const listening = h.app.listen({ port: 0, hostname: "127.0.0.1" });
  originServer = { port: listening.server!.port! };
  relay = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const url = new URL(req.url);
      reached.push({ path: url.pathname + url.search, headers: Object.fromEntries(req.headers) });
      const body = req.method === "GET" || req.method === "HEAD" ? undefined : await req.arrayBuffer();
      return fetch(`http://127.0.0.1:${originServer.port}${url.pathname}${url.search}`, { method: req.method, headers: req.headers, body });
    },
  });
  bridge = await startBridge();
  env = testEnv(bridge.url, { ORIGIN_URL: `http://127.0.0.1:${relay.port}`, JOIN_LIMIT_PER_MINUTE: "5" });
});
afterAll(async () => {
  relay.stop(true);
  await h.app.stop(true);
  await dropEvent(h.eventId);
  await dropEvent(otherEvent);
  await h.close();
  await bridge.stop();
});

let ipCounter = 0;
const freshIp = () => `198.18.${Math.floor(ipCounter / 250)}.${(ipCounter++ % 250) + 1}`;

/** Joins through the edge, is admitted, claims: a fan holding an active-token cookie. */
async function admittedFan(eventId = h.eventId) {
  const jar = new Map<string, string>();
  const ip = freshIp();
  expect((await call(env, `/queue/${eventId}/join`, { method: "POST", jar, ip })).status).toBe(201);
  await admitHead(eventId, 100);
  const claimed = await call(env, `/queue/${eventId}/claim`, { method: "POST", jar, ip });
  expect(claimed.status).toBe(200);
  const body = (await claimed.json()) as { activeToken: string; sessionId: string };
  return { jar, ip, token: body.activeToken, sid: body.sessionId };
}

async function expectJsonError(res: Response, statuses: number[]) {
  expect(statuses).toContain(res.status);
  expect(res.headers.get("content-type") ?? "").toContain("application/json");
  expect(await res.json()).toEqual({ code: expect.any(String), message: expect.any(String) });
}

describe("an admitted fan through the edge", () => {
  test("the whole chain works: hold through the edge, attributed to the fan's own session", async () => {
    const fan = await admittedFan();
    const res = await call(env, `/api/events/${h.eventId}/holds`, { method: "POST", jar: fan.jar, ip: fan.ip, body: JSON.stringify({ seatIds: ["A-1-1"] }), headers: { "content-type": "application/json" } });
    expect(res.status).toBe(201);
    const { holdId } = (await res.json()) as { holdId: string };
    expect(await h.redis.hget(eventKeys(h.eventId).hold(holdId), "sid")).toBe(fan.sid);
  });

  test("paths that try to escape /api are refused before the origin sees them, nothing changes", async () => {
    const fan = await admittedFan();
    const e = h.eventId;
    const paths = [
      `/api/events/${e}/holds/..%2F..%2F..%2Fadmin%2Fevents`,
      `/api/events/${e}%2Fholds`,
      `/api/events/${e}/%2e%2e/%2e%2e/admin/events`,
      `/api/events/${e}/holds%00`,
      `/api//events/${e}/holds`,
      `/api/events/${e}/holds%5C..%5Cadmin`,
      `/api/events/${e}/holds/x/../../../../admin/events`,
      `/api/admin/events`,
      `/api/events/${e}/holds/hold_aaaaaaaaaaaa/purchase/../../../../../admin/events`,
      `/queue/${e}%2Fclaim`,
      `/events/..%2F..%2Fadmin`,
    ];
    const before = await snapshot(h, [e, otherEvent]);
    const seen = reached.length;
    for (const path of paths) {
      const res = await call(env, path, { method: "POST", jar: fan.jar, ip: fan.ip, body: JSON.stringify({ id: "evil", seatIds: ["A-1-2"] }), headers: { "content-type": "application/json", "x-admin-key": "x" } });
      await expectJsonError(res, [400, 404, 405]);
    }
    expect(reached.slice(seen).map((r) => r.path)).toEqual([]);
    expect(await snapshot(h, [e, otherEvent])).toEqual(before);
  });

  test("spoofed client-IP, forwarding and origin-auth headers are replaced by the edge's own values", async () => {
    const fan = await admittedFan();
    const seen = reached.length;
    const res = await call(env, `/api/events/${h.eventId}/seats`, {
      jar: fan.jar,
      ip: "203.0.113.50",
      headers: {
        "x-forwarded-for": "10.0.0.1",
        "x-client-ip": "10.0.0.2",
        "x-real-ip": "10.0.0.3",
        "true-client-ip": "10.0.0.4",
        forwarded: "for=10.0.0.5",
        "x-origin-auth": "fan-chosen",
        "x-request-id": "fan-chosen",
      },
    });
    expect(res.status).toBe(200);
    const got = reached.slice(seen);
    expect(got).toHaveLength(1);
    const headers = got[0]!.headers;
    expect(headers["x-client-ip"]).toBe("203.0.113.50");
    expect(headers["x-origin-auth"]).toBe(env.ORIGIN_AUTH_SECRET.split(",")[0]!.trim());
    expect(headers["x-request-id"]).not.toBe("fan-chosen");
    for (const name of ["x-forwarded-for", "x-real-ip", "true-client-ip", "forwarded"]) expect(headers[name]).toBeUndefined();
  });

  test("an ended session's cookie next to a live session's Bearer token: the explicit header wins", async () => {
    const ended = await admittedFan();
    const live = await admittedFan();
    expect((await call(env, `/api/events/${h.eventId}/session`, { method: "DELETE", jar: ended.jar, ip: ended.ip })).status).toBe(200);
    // the browser still sends the old cookie; the app sends the session it was just given
    const res = await call(env, `/api/events/${h.eventId}/holds`, {
      method: "POST",
      jar: ended.jar,
      ip: live.ip,
      body: JSON.stringify({ seatIds: ["A-1-5"] }),
      headers: { "content-type": "application/json", authorization: `Bearer ${live.token}` },
    });
    expect(res.status).toBe(201);
    const { holdId } = (await res.json()) as { holdId: string };
    expect(await h.redis.hget(eventKeys(h.eventId).hold(holdId), "sid")).toBe(live.sid);
    // a live cookie with an ended session's Bearer: the header still decides, and the origin refuses it
    const refused = await call(env, `/api/events/${h.eventId}/holds`, {
      method: "POST",
      jar: live.jar,
      ip: live.ip,
      body: JSON.stringify({ seatIds: ["A-1-6"] }),
      headers: { "content-type": "application/json", authorization: `Bearer ${ended.token}` },
    });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { code: string }).code).toBe("SESSION_INACTIVE");
  });

  test("a fan's own Authorization cannot act as another session: the hold belongs to the token the edge verified", async () => {
    const fan = await admittedFan();
    const victim = await admittedFan();
    // the fan sends a forged token naming the victim's session next to their own cookie
    const forged = new UnsecuredJWT({ typ: "active", evt: h.eventId, sid: victim.sid }).setIssuer("concert-u-edge").setIssuedAt().setExpirationTime("10m").encode();
    const res = await call(env, `/api/events/${h.eventId}/holds`, {
      method: "POST",
      jar: fan.jar,
      ip: fan.ip,
      body: JSON.stringify({ seatIds: ["A-1-3"] }),
      headers: { "content-type": "application/json", authorization: `Bearer ${forged}` },
    });
    expect(res.status).toBe(201);
    const { holdId } = (await res.json()) as { holdId: string };
    expect(await h.redis.hget(eventKeys(h.eventId).hold(holdId), "sid")).toBe(fan.sid);
    // with no cookie, the forged token alone gets nowhere
    const alone = await call(env, `/api/events/${h.eventId}/holds`, {
      method: "POST",
      ip: fan.ip,
      body: JSON.stringify({ seatIds: ["A-1-4"] }),
      headers: { "content-type": "application/json", authorization: `Bearer ${forged}` },
    });
    await expectJsonError(alone, [401]);
  });
});

describe("tokens in the wrong place or of the wrong kind", () => {
  const holdWith = (init: { headers?: Record<string, string>; path?: string; jar?: Map<string, string> }) =>
    call(env, init.path ?? `/api/events/${h.eventId}/holds`, {
      method: "POST",
      ip: freshIp(),
      jar: init.jar,
      body: JSON.stringify({ seatIds: ["A-2-1"] }),
      headers: { "content-type": "application/json", ...init.headers },
    });

  test("each is refused with 4xx JSON, the origin never sees it, nothing changes", async () => {
    const fan = await admittedFan();
    const other = await admittedFan(otherEvent);
    const key = signingKey(env);
    const now = Math.floor(Date.now() / 1000);
    const ticket = await signQueueTicket({ evt: h.eventId, tid: "t-x", num: 1 }, 600, env.TICKET_SECRET.split(",")[0]!);
    const cases: Array<[string, Parameters<typeof holdWith>[0]]> = [
      ["token in ?token=", { path: `/api/events/${h.eventId}/holds?token=${fan.token}` }],
      ["token in ?access_token=", { path: `/api/events/${h.eventId}/holds?access_token=${fan.token}` }],
      ["queue ticket as bearer", { headers: { authorization: `Bearer ${ticket}` } }],
      ["queue ticket in the active cookie", { headers: { cookie: `cu_act_${h.eventId}=${ticket}` } }],
      ["another event's active token", { headers: { authorization: `Bearer ${other.token}` } }],
      ["another event's cookie renamed", { headers: { cookie: `cu_act_${h.eventId}=${other.token}` } }],
      ["expired past the leeway", { headers: { authorization: `Bearer ${await signActiveToken({ evt: h.eventId, sid: fan.sid }, 60, key, now - 70)}` } }],
      ["not valid for another minute", { headers: { authorization: `Bearer ${await signActiveToken({ evt: h.eventId, sid: fan.sid }, 600, key, now + 60)}` } }],
      ["unknown kid", { headers: { authorization: `Bearer ${await signActiveToken({ evt: h.eventId, sid: fan.sid }, 600, { ...key, kid: "nope" })}` } }],
      ["tampered payload", { headers: { authorization: `Bearer ${fan.token.split(".")[0]}.${Buffer.from(JSON.stringify({ typ: "active", evt: h.eventId, sid: "s_other", iss: "concert-u-edge", iat: now, exp: now + 600 })).toString("base64url")}.${fan.token.split(".")[2]}` } }],
      ["queue ticket header on /api", { headers: { "x-queue-ticket": ticket } }],
    ];
    const before = await snapshot(h, [h.eventId, otherEvent]);
    const seen = reached.length;
    for (const [name, init] of cases) {
      const res = await holdWith(init);
      expect({ name, status: res.status }).toEqual({ name, status: 401 });
      await expectJsonError(res, [401]);
    }
    expect(reached.length).toBe(seen);
    expect(await snapshot(h, [h.eventId, otherEvent])).toEqual(before);
  });

  test("a revoked session's still-valid token reaches the origin and is refused there with 403", async () => {
    const fan = await admittedFan();
    const left = await call(env, `/api/events/${h.eventId}/session`, { method: "DELETE", jar: fan.jar, ip: fan.ip });
    expect(left.status).toBeLessThan(300);
    const res = await holdWith({ jar: fan.jar });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe("SESSION_INACTIVE");
  });

  test("a replayed claim: the second claim of one admission is refused and no second session exists", async () => {
    const jar = new Map<string, string>();
    const ip = freshIp();
    await call(env, `/queue/${h.eventId}/join`, { method: "POST", jar, ip });
    const ticketCookie = new Map(jar);
    await admitHead(h.eventId, 100);
    const activeBefore = await redis.zcard(eventKeys(h.eventId).active);
    const first = await call(env, `/queue/${h.eventId}/claim`, { method: "POST", jar, ip });
    expect(first.status).toBe(200);
    const replays = await Promise.all(Array.from({ length: 20 }, () => call(env, `/queue/${h.eventId}/claim`, { method: "POST", jar: new Map(ticketCookie), ip })));
    for (const r of replays) await expectJsonError(r, [403]);
    expect(await redis.zcard(eventKeys(h.eventId).active)).toBe(activeBefore + 1);
  });
});

describe("join floods", () => {
  test("one IP flooding joins (rotating every forwarding header) gets its limit and 429s; other fans keep joining", async () => {
    const flooder = "198.51.100.77";
    const queueKey = eventKeys(otherEvent).queue;
    const before = await redis.zcard(queueKey);
    const flood = Array.from({ length: 200 }, (_, i) =>
      call(env, `/queue/${otherEvent}/join`, {
        method: "POST",
        ip: flooder,
        headers: { "x-forwarded-for": `10.1.${i}.1`, "x-client-ip": `10.2.${i}.1`, "x-real-ip": `10.3.${i}.1`, "true-client-ip": `10.4.${i}.1` },
      }),
    );
    const others = Array.from({ length: 20 }, () => call(env, `/queue/${otherEvent}/join`, { method: "POST", ip: freshIp() }));
    const [floodRes, otherRes] = await Promise.all([Promise.all(flood), Promise.all(others)]);
    const count = (rs: Response[], s: number) => rs.filter((r) => r.status === s).length;
    expect(count(floodRes, 201)).toBe(5);
    expect(count(floodRes, 429)).toBe(195);
    for (const r of floodRes.filter((r) => r.status === 429)) expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(otherRes.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(await redis.zcard(queueKey)).toBe(before + 25);
  });
});
