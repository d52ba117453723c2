/**
 * Turnstile before a new place, through the production Worker in workerd, with siteverify
 * answered by a local stand-in (TURNSTILE_VERIFY_URL): a token siteverify accepts buys one
 * place, once; one it refuses is a 403; a stand-in that is down is a clear 503, never a
 * place and never the infinite queue.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import Redis from "ioredis";
import { eventKeys } from "../../common/keys.ts";
import { startBridge, type TestBridge } from "../../test/kit/bridge.ts";
import { freePort } from "../../test/kit/free-port.ts";
import { newOpenEvent } from "../../test/kit/waiting-room.ts";
import { startWorkerdEdge, type WorkerdEdge } from "../../test/kit/workerd-edge.ts";

setDefaultTimeout(120_000);

const SECRET = "turnstile-test-secret";
let redis: Redis;
let bridge: TestBridge;
let edge: WorkerdEdge;
let standIn: ReturnType<typeof Bun.serve> | null = null;
let standInPort = 0;
const calls: Array<{ secret: string; response: string; remoteip: string }> = [];

/** siteverify as Cloudflare answers it: tokens starting `pass-` are good (once each, as Cloudflare's), others not. */
function startStandIn(port: number) {
  const seen = new Set<string>();
  return Bun.serve({
    port,
    hostname: "127.0.0.1",
    async fetch(req) {
      const form = await req.formData();
      const call = { secret: String(form.get("secret")), response: String(form.get("response")), remoteip: String(form.get("remoteip") ?? "") };
      calls.push(call);
      if (call.secret !== SECRET) return Response.json({ success: false, "error-codes": ["invalid-input-secret"] });
      if (!call.response.startsWith("pass-")) return Response.json({ success: false, "error-codes": ["invalid-input-response"] });
      return Response.json({ success: true, challenge_ts: new Date().toISOString(), hostname: "127.0.0.1", "error-codes": [] });
    },
  });
}

beforeAll(async () => {
  redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  bridge = await startBridge();
  standInPort = await freePort();
  standIn = startStandIn(standInPort);
  edge = await startWorkerdEdge({
    upstashUrl: bridge.url,
    vars: { TURNSTILE_SITE_KEY: "1x00000000000000000000AA", TURNSTILE_SECRET_KEY: SECRET, TURNSTILE_VERIFY_URL: `http://127.0.0.1:${standInPort}/siteverify`, TURNSTILE_TIMEOUT_MS: "2000" },
  });
});

afterAll(async () => {
  standIn?.stop(true);
  await edge?.stop();
  await bridge?.stop();
  redis?.disconnect();
});

let nextIp = 1;
const newIp = () => `2001:db8:7::${(nextIp++).toString(16)}`;

async function turnstileEvent(label: string, failure: "refuse" | "infinite" = "refuse") {
  const eventId = await newOpenEvent(redis, label);
  await redis.hset(eventKeys(eventId).queueState, { challenge: "turnstile", challengeFailure: failure });
  return eventId;
}

async function join(eventId: string, ip: string, token?: string) {
  const res = await fetch(`${edge.url}/queue/${eventId}/join`, { method: "POST", headers: { "cf-connecting-ip": ip, ...(token ? { "x-turnstile-token": token } : {}) } });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
}

describe("Turnstile before a new place (workerd, siteverify stand-in)", () => {
  test("a token siteverify accepts buys a place, with the secret and the client IP sent; the same token again is refused", async () => {
    const eventId = await turnstileEvent("ts-pass");
    const ip = newIp();
    const placed = await join(eventId, ip, "pass-one");
    expect(placed).toMatchObject({ status: 201, body: { ticketNumber: 1 } });
    expect(calls.at(-1)).toEqual({ secret: SECRET, response: "pass-one", remoteip: ip });
    const again = await join(eventId, newIp(), "pass-one");
    expect(again).toMatchObject({ status: 403, body: { code: "CHALLENGE_FAILED" } });
    expect(await redis.zcard(eventKeys(eventId).queue)).toBe(1);
  });

  test("a token siteverify refuses, or none, is a 403 and takes no number; in infinite mode it is an endless place", async () => {
    const eventId = await turnstileEvent("ts-fail");
    expect(await join(eventId, newIp(), "fail-token")).toMatchObject({ status: 403, body: { code: "CHALLENGE_FAILED" } });
    expect(await join(eventId, newIp())).toMatchObject({ status: 403, body: { code: "CHALLENGE_REQUIRED" } });
    expect(await redis.get(eventKeys(eventId).seq)).toBeNull();

    const endless = await turnstileEvent("ts-infinite", "infinite");
    const bot = await join(endless, newIp(), "fail-token");
    expect(bot).toMatchObject({ status: 201, body: { admitted: false } });
    expect(await redis.zcard(eventKeys(endless).queue)).toBe(0);
  });

  test("a proof-of-work solution does not answer a Turnstile event", async () => {
    const eventId = await turnstileEvent("ts-kind");
    const c = (await (await fetch(`${edge.url}/queue/${eventId}/challenge?min=1`)).json()) as Record<string, any>;
    const { solveChallenge } = await import("altcha-lib/v1");
    const s = await solveChallenge(c.challenge, c.salt, c.algorithm, c.maxnumber).promise;
    const payload = btoa(JSON.stringify({ algorithm: c.algorithm, challenge: c.challenge, number: s!.number, salt: c.salt, signature: c.signature }));
    const res = await fetch(`${edge.url}/queue/${eventId}/join`, { method: "POST", headers: { "cf-connecting-ip": newIp(), "x-challenge-solution": payload } });
    expect(res.status).toBe(403);
    expect(await redis.get(eventKeys(eventId).seq)).toBeNull();
  });

  test("the waiting page of a Turnstile event shows the widget's place and lets only Cloudflare's widget in", async () => {
    const eventId = await turnstileEvent("ts-page");
    const res = await fetch(`${edge.url}/events/${eventId}`, { headers: { "cf-connecting-ip": newIp() } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<div id="turnstile"></div>');
    expect(html).toContain('data-turnstile-site-key="1x00000000000000000000AA"');
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toContain("script-src 'self' https://challenges.cloudflare.com");
    expect(csp).toContain("frame-src https://challenges.cloudflare.com");
    expect(csp).not.toContain("unsafe-inline");
  });

  test("with siteverify down, a join is answered 503 CHALLENGE_UNAVAILABLE with Retry-After: no place, no infinite one", async () => {
    const eventId = await turnstileEvent("ts-down", "infinite");
    standIn?.stop(true);
    standIn = null;
    const res = await join(eventId, newIp(), "pass-while-down");
    expect(res).toMatchObject({ status: 503, body: { code: "CHALLENGE_UNAVAILABLE" } });
    expect(res.headers.get("retry-after")).toBe("5");
    expect(await redis.get(eventKeys(eventId).seq)).toBeNull();
    // back up: the same token now works
    standIn = startStandIn(standInPort);
    expect((await join(eventId, newIp(), "pass-while-down")).status).toBe(201);
  });
});
