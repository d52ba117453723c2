import { describe, expect, setDefaultTimeout, test } from "bun:test";

setDefaultTimeout(20_000);
import { createLocalJWKSet, decodeProtectedHeader } from "jose";
import { eventKeys } from "../../common/keys.ts";
import { verifyActiveToken } from "../../common/tokens.ts";
import { useEdgeWorker } from "./helpers/fixture.ts";
import { admitHead, redis } from "./helpers/redis.ts";
import { call } from "./helpers/worker.ts";


const edge = useEdgeWorker({ SESSION_TTL_SECONDS: "600" });
const { freshEvent } = edge;

async function joinFan(eventId: string) {
  const jar = new Map<string, string>();
  const res = await call(edge.env, `/queue/${eventId}/join`, { method: "POST", jar });
  return { jar, body: (await res.json()) as any };
}

const claim = (eventId: string, jar: Map<string, string>) => call(edge.env, `/queue/${eventId}/claim`, { method: "POST", jar: new Map(jar) });

async function jwks() {
  const res = await call(edge.env, "/.well-known/jwks.json");
  expect(res.status).toBe(200);
  return createLocalJWKSet((await res.json()) as any);
}

describe("POST /queue/:eventId/claim", () => {
  test("an admitted fan gets an active token (cookie and JSON) verifiable with the published JWKS; the session is live in Redis", async () => {
    const eventId = await freshEvent("claim");
    const fan = await joinFan(eventId);
    await admitHead(eventId, 1);
    const before = Date.now();
    const res = await call(edge.env, `/queue/${eventId}/claim`, { method: "POST", jar: fan.jar });
    expect(res.status).toBe(200);
    const body: any = await res.json();
    const cookies = res.headers.getSetCookie();
    expect(cookies.find((c) => c.startsWith(`cu_act_${eventId}=${body.activeToken};`))).toContain("HttpOnly");
    expect(cookies.find((c) => c.startsWith(`cu_q_${eventId}=;`))).toContain("Max-Age=0");
    expect(fan.jar.get(`cu_act_${eventId}`)).toBe(body.activeToken);

    const claims = await verifyActiveToken(body.activeToken, await jwks(), eventId);
    expect(claims).toMatchObject({ typ: "active", evt: eventId, sid: body.sessionId });
    expect(claims!.exp - claims!.iat).toBe(600);
    const signing = JSON.parse(process.env.ACTIVE_SIGNING_KEYS!)[0];
    expect(decodeProtectedHeader(body.activeToken).kid).toBe(signing.kid);
    expect(await verifyActiveToken(body.activeToken, await jwks(), "another-event")).toBeNull();

    const score = Number(await redis.zscore(eventKeys(eventId).active, body.sessionId));
    expect(score).toBeGreaterThanOrEqual(before + 600_000);
    expect(score).toBeLessThanOrEqual(Date.now() + 600_000);
    expect(await redis.zcard(eventKeys(eventId).admitted)).toBe(0);
  });

  test("an organiser's session length for the event decides the session's expiry and the token's lifetime", async () => {
    const eventId = await freshEvent("claim-session");
    await redis.hset(eventKeys(eventId).queueState, "sessionSeconds", 90);
    const fan = await joinFan(eventId);
    await admitHead(eventId, 1);
    const before = Date.now();
    const res = await claim(eventId, fan.jar);
    expect(res.status).toBe(200);
    const body: any = await res.json();
    const claims = await verifyActiveToken(body.activeToken, await jwks(), eventId);
    expect(claims!.exp - claims!.iat).toBeGreaterThanOrEqual(89);
    expect(claims!.exp - claims!.iat).toBeLessThanOrEqual(90);
    const score = Number(await redis.zscore(eventKeys(eventId).active, body.sessionId));
    expect(score).toBeGreaterThanOrEqual(before + 90_000);
    expect(score).toBeLessThanOrEqual(Date.now() + 90_000);
    expect(Date.parse(body.expiresAt)).toBe(score);
    expect(res.headers.getSetCookie().find((c) => c.startsWith(`cu_act_${eventId}=`))).toMatch(/Max-Age=(89|90);/);
  });

  test("a ticket is claimed once: a second claim fails, and of 100 racing claims exactly one wins", async () => {
    const eventId = await freshEvent("claim-once");
    const fan = await joinFan(eventId);
    await admitHead(eventId, 1);
    expect((await claim(eventId, fan.jar)).status).toBe(200);
    const second = await claim(eventId, fan.jar);
    expect(second.status).toBe(403);
    expect(await second.json()).toMatchObject({ code: "NOT_ADMITTED" });

    const racer = await joinFan(eventId);
    await admitHead(eventId, 1);
    const results = await Promise.all(Array.from({ length: 100 }, () => claim(eventId, racer.jar)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 403)).toHaveLength(99);
    expect(await redis.zcard(eventKeys(eventId).active)).toBe(2);
  });

  test("a waiting fan cannot claim; a fan whose claim window passed cannot claim", async () => {
    const eventId = await freshEvent("claim-early");
    const first = await joinFan(eventId);
    const waiting = await joinFan(eventId);
    await admitHead(eventId, 1, { claimWindowMs: -1 }); // admitted, but the window already closed
    const early = await claim(eventId, waiting.jar);
    expect(early.status).toBe(409);
    expect(await early.json()).toMatchObject({ code: "NOT_YOUR_TURN" });
    const late = await claim(eventId, first.jar);
    expect(late.status).toBe(410);
    expect(await late.json()).toMatchObject({ code: "CLAIM_EXPIRED" });
    expect(await redis.zcard(eventKeys(eventId).active)).toBe(0);
  });

  test("no ticket, a forged ticket or another event's ticket cannot claim", async () => {
    const eventId = await freshEvent("claim-forged");
    const other = await freshEvent("claim-forged-other");
    const admittedElsewhere = await joinFan(other);
    await admitHead(other, 1);
    const res = await call(edge.env, `/queue/${eventId}/claim`, {
      method: "POST",
      jar: new Map([[`cu_q_${eventId}`, admittedElsewhere.body.ticket]]),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: "NO_TICKET" });
    expect((await call(edge.env, `/queue/${eventId}/claim`, { method: "POST" })).status).toBe(401);
  });

  test("JWKS publishes every configured key and no private part", async () => {
    const res = await call(edge.env, "/.well-known/jwks.json");
    const body: any = await res.json();
    const configured = JSON.parse(process.env.ACTIVE_SIGNING_KEYS!);
    expect(body.keys.map((k: any) => k.kid)).toEqual(configured.map((k: any) => k.kid));
    for (const k of body.keys) {
      expect(k.d).toBeUndefined();
      expect(k).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
    }
    expect(res.headers.get("cache-control")).toContain("max-age");
  });
});

describe("GET /queue/:eventId/status", () => {
  test("gives the waiting fan's position as JSON, then admission with its deadline", async () => {
    const eventId = await freshEvent("status");
    const a = await joinFan(eventId);
    const b = await joinFan(eventId);
    const res = await call(edge.env, `/queue/${eventId}/status`, { jar: b.jar });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ticketNumber: 2, position: 2, ahead: 1, admitted: false, queueIsFull: false });
    await admitHead(eventId, 1, { claimWindowMs: 30_000 });
    const admitted: any = await (await call(edge.env, `/queue/${eventId}/status`, { jar: a.jar })).json();
    expect(admitted).toMatchObject({ admitted: true, claimUrl: `/queue/${eventId}/claim` });
    expect(Date.parse(admitted.claimDeadline)).toBeGreaterThan(Date.now() + 20_000);
    expect((await call(edge.env, `/queue/${eventId}/status`)).status).toBe(401);
  });
});
