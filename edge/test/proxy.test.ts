import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";

setDefaultTimeout(20_000);
import { createLocalJWKSet, exportJWK, generateKeyPair, importJWK, SignJWT } from "jose";
import { ACTIVE_ALG, publicJwk, signActiveToken, signQueueTicket, verifyActiveToken, type SigningJwk } from "../../common/tokens.ts";
import type { Env } from "../src/env.ts";
import { startBridge } from "../../test/kit/bridge.ts";
import { withScripts } from "./helpers/pages.ts";
import { admitHead, dropEvent, openQueue } from "./helpers/redis.ts";
import { uniqueEventId } from "../../test/kit/event-ids.ts";
import { call, testEnv } from "./helpers/worker.ts";

let bridge: Awaited<ReturnType<typeof startBridge>>;
let env: Env;
let upstream: ReturnType<typeof Bun.serve>;
const seen: Array<{ method: string; path: string; headers: Record<string, string>; body: string; tokenValidFor: string | null }> = [];
const events: string[] = [];
const publicKeys = () => ({ keys: (JSON.parse(env.ACTIVE_SIGNING_KEYS) as SigningJwk[]).map(publicJwk) });

beforeAll(async () => {
  bridge = await startBridge();
  // an origin stand-in that checks the forwarded token the way the origin does
  upstream = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const url = new URL(req.url);
      const token = (req.headers.get("authorization") ?? "").replace(/^Bearer /, "");
      const eventId = /^\/(?:api\/)?events\/([^/]+)/.exec(url.pathname)?.[1] ?? req.headers.get("x-event-id") ?? "";
      const { createLocalJWKSet } = await import("jose");
      const claims = await verifyActiveToken(token, createLocalJWKSet(publicKeys() as never), eventId || "none");
      seen.push({
        method: req.method,
        path: url.pathname + url.search,
        headers: Object.fromEntries(req.headers),
        body: await req.text(),
        tokenValidFor: claims?.evt ?? null,
      });
      return Response.json({ ok: true }, { headers: { "set-cookie": "origin=1", "x-origin": "yes", connection: "close" } });
    },
  });
  env = testEnv(bridge.url, { ORIGIN_URL: `http://127.0.0.1:${upstream.port}`, MAX_BODY_BYTES: "1024" });
});
afterAll(async () => {
  upstream.stop(true);
  await Promise.all(events.map(dropEvent));
  await bridge.stop();
});

async function admittedFan(label: string) {
  const eventId = uniqueEventId(label);
  events.push(eventId);
  await openQueue(eventId);
  const jar = new Map<string, string>();
  await call(env, `/queue/${eventId}/join`, { method: "POST", jar });
  await admitHead(eventId, 1);
  const res = await call(env, `/queue/${eventId}/claim`, { method: "POST", jar });
  expect(res.status).toBe(200);
  return { eventId, jar, token: ((await res.json()) as any).activeToken as string };
}

const last = () => seen[seen.length - 1]!;

describe("/api/* proxy", () => {
  test("forwards an admitted fan with the verified token, client IP and a fresh request id; strips what the fan could spoof", async () => {
    const fan = await admittedFan("proxy");
    const res = await call(env, `/api/events/${fan.eventId}/seats?section=A`, {
      jar: fan.jar,
      ip: "203.0.113.7",
      headers: {
        "x-client-ip": "6.6.6.6",
        "x-forwarded-for": "6.6.6.6",
        forwarded: "for=6.6.6.6",
        "x-real-ip": "6.6.6.6",
        "true-client-ip": "6.6.6.6",
        "x-request-id": "chosen-by-fan",
        "x-origin-auth": "guess",
        "x-custom": "kept",
        connection: "keep-alive, x-hop",
        "x-hop": "dropped",
        "accept-language": "fr",
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(res.headers.get("x-origin")).toBe("yes");
    const got = last();
    expect(got.path).toBe(`/api/events/${fan.eventId}/seats?section=A`);
    expect(got.tokenValidFor).toBe(fan.eventId);
    expect(got.headers.authorization).toBe(`Bearer ${fan.token}`);
    expect(got.headers["x-client-ip"]).toBe("203.0.113.7");
    expect(got.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get("x-request-id")).toBe(got.headers["x-request-id"]!);
    expect(got.headers["x-origin-auth"]).toBe(process.env.ORIGIN_AUTH_SECRET!);
    expect(got.headers.cookie).toBeUndefined();
    for (const h of ["x-forwarded-for", "forwarded", "x-real-ip", "true-client-ip", "x-hop", "cf-connecting-ip"]) expect(got.headers[h]).toBeUndefined();
    expect(got.headers["x-custom"]).toBe("kept");
    expect(got.headers["accept-language"]).toBe("fr");
  });

  test("POST bodies are forwarded, oversized ones refused, and POSTs without a token never reach the origin", async () => {
    const fan = await admittedFan("proxy-post");
    const body = JSON.stringify({ seats: ["A-1", "A-2"] });
    const res = await call(env, `/api/events/${fan.eventId}/holds`, { method: "POST", jar: fan.jar, body, headers: { "content-type": "application/json" } });
    expect(res.status).toBe(200);
    expect(last()).toMatchObject({ method: "POST", body });
    expect(last().headers["content-type"]).toBe("application/json");

    const big = await call(env, `/api/events/${fan.eventId}/holds`, { method: "POST", jar: fan.jar, body: "x".repeat(2000) });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ code: "BODY_TOO_LARGE" });

    const before = seen.length;
    const anonymous = await call(env, `/api/events/${fan.eventId}/holds`, { method: "POST", body });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ code: "NOT_ADMITTED", message: expect.stringContaining(`/events/${fan.eventId}`) });
    expect(seen.length).toBe(before);
  });

  test("a token of another event, a forged token or a ticket instead of a token is refused", async () => {
    const fan = await admittedFan("proxy-other");
    const other = await admittedFan("proxy-other2");
    const before = seen.length;
    const wrongEvent = await call(env, `/api/events/${fan.eventId}/seats`, { headers: { authorization: `Bearer ${other.token}` } });
    expect(wrongEvent.status).toBe(401);
    const crossCookie = await call(env, `/api/events/${fan.eventId}/seats`, { jar: new Map([[`cu_act_${fan.eventId}`, other.token]]) });
    expect(crossCookie.status).toBe(401);

    const { privateKey } = await generateKeyPair(ACTIVE_ALG, { extractable: true });
    const stranger = { ...(await exportJWK(privateKey)), kid: JSON.parse(env.ACTIVE_SIGNING_KEYS)[0].kid } as SigningJwk;
    const forged = await signActiveToken({ evt: fan.eventId, sid: "x" }, 600, stranger);
    expect((await call(env, `/api/events/${fan.eventId}/seats`, { headers: { authorization: `Bearer ${forged}` } })).status).toBe(401);
    expect(seen.length).toBe(before);
  });

  test("a token issued in the future or more than a day ago is refused, even signed with the edge's own key, and never forwarded", async () => {
    const fan = await admittedFan("proxy-iat");
    const key = (JSON.parse(env.ACTIVE_SIGNING_KEYS) as SigningJwk[])[0]!;
    const sid = (await verifyActiveToken(fan.token, createLocalJWKSet(publicKeys() as never), fan.eventId))!.sid;
    const now = Math.floor(Date.now() / 1000);
    const future = await new SignJWT({ typ: "active", evt: fan.eventId, sid })
      .setProtectedHeader({ alg: ACTIVE_ALG, kid: key.kid, typ: "JWT" })
      .setIssuer("concert-u-edge")
      .setIssuedAt(now + 365 * 86_400)
      .setExpirationTime(now + 365 * 86_400 + 600)
      .sign(await importJWK(key, ACTIVE_ALG));
    const stale = await signActiveToken({ evt: fan.eventId, sid }, 26 * 3600, key, now - 25 * 3600);
    const before = seen.length;
    for (const token of [future, stale]) {
      const res = await call(env, `/api/events/${fan.eventId}/seats`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ code: "NOT_ADMITTED" });
    }
    expect(seen.length).toBe(before);
    // a queue ticket issued in the future is no ticket either
    const ticket = await signQueueTicket({ evt: fan.eventId, tid: "t-future", num: 1 }, 600, env.TICKET_SECRET.split(",")[0]!, now + 365 * 86_400);
    const status = await call(env, `/queue/${fan.eventId}/status`, { headers: { "x-queue-ticket": ticket } });
    expect(status.status).toBe(401);
    expect(await status.json()).toMatchObject({ code: "NO_TICKET" });
  });

  test("the orders route finds its event from X-Event-Id, ?eventId= or the single active cookie", async () => {
    const fan = await admittedFan("proxy-orders");
    expect((await call(env, "/api/orders/o-1", { jar: fan.jar })).status).toBe(200);
    expect(last().headers.authorization).toBe(`Bearer ${fan.token}`);
    expect(last().headers["x-event-id"]).toBeUndefined();

    const other = await admittedFan("proxy-orders2");
    const both = new Map([...fan.jar, ...other.jar]);
    const ambiguous = await call(env, "/api/orders/o-1", { jar: both });
    expect(ambiguous.status).toBe(400);
    expect(await ambiguous.json()).toMatchObject({ code: "EVENT_REQUIRED" });
    expect((await call(env, "/api/orders/o-1", { jar: both, headers: { "x-event-id": other.eventId } })).status).toBe(200);
    expect(last().headers.authorization).toBe(`Bearer ${other.token}`);
    expect((await call(env, `/api/orders/o-1?eventId=${fan.eventId}`, { jar: both })).status).toBe(200);
    expect(last().headers.authorization).toBe(`Bearer ${fan.token}`);
    expect((await call(env, "/api/orders/o-1")).status).toBe(401);
  });

  // Dot segments (`/../`, `%2e%2e`) are resolved by Request itself in Bun; the workerd test sends them raw.
  test("non-canonical paths are refused before any decision", async () => {
    const fan = await admittedFan("proxy-paths");
    const before = seen.length;
    for (const path of [
      `/api/events/${fan.eventId}%2Fseats`,
      `/api/events/${fan.eventId}/seats%5c..`,
      `/api//events/${fan.eventId}/seats`,
      `/api/events/${fan.eventId}/seats%00`,
    ]) {
      const res = await call(env, path, { jar: fan.jar });
      expect(res.status, path).toBe(400);
      expect(await res.json()).toMatchObject({ code: "BAD_PATH" });
    }
    expect(seen.length).toBe(before);
  });

  test("only the origin's fan-facing routes are forwarded", async () => {
    const fan = await admittedFan("proxy-routes");
    const before = seen.length;
    const unknown = await call(env, "/api/admin/events", { jar: fan.jar, method: "POST" });
    expect(unknown.status).toBe(404);
    const wrongMethod = await call(env, `/api/events/${fan.eventId}/seats`, { jar: fan.jar, method: "POST" });
    expect(wrongMethod.status).toBe(405);
    expect(seen.length).toBe(before);
    expect((await call(env, `/api/events/${fan.eventId}/holds/h-1`, { jar: fan.jar, method: "DELETE" })).status).toBe(200);
    expect((await call(env, `/api/events/${fan.eventId}/holds/h-1/purchase`, { jar: fan.jar, method: "POST" })).status).toBe(200);
    // leaving the purchase area ends the session at the origin
    expect((await call(env, `/api/events/${fan.eventId}/session`, { jar: fan.jar, method: "DELETE" })).status).toBe(200);
    expect((await call(env, `/api/events/${fan.eventId}`, { jar: fan.jar })).status).toBe(200);
  });

  test("GET /events/:eventId with a valid active token gets the sale page, which talks to the origin through /api/*", async () => {
    const fan = await admittedFan("proxy-page");
    const before = last();
    const res = await call(env, `/events/${fan.eventId}`, { jar: fan.jar });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await withScripts(env, await res.text());
    expect(html).toContain("Choose your seats");
    expect(html).toContain(`"/api/events/" + eventId`);
    expect(html).not.toContain("waiting room");
    expect(last()).toBe(before); // the page itself is the edge's: the origin saw nothing
    const stranger = await call(env, `/events/${fan.eventId}`);
    expect(await stranger.text()).toContain("You are in the waiting room");
  });

  test("keys rotate by kid: a token signed with an older key still passes while the new key signs", async () => {
    const fan = await admittedFan("proxy-rotate");
    const { privateKey } = await generateKeyPair(ACTIVE_ALG, { extractable: true });
    const newer = { ...(await exportJWK(privateKey)), kid: `new-${Date.now()}`, alg: ACTIVE_ALG };
    const rotated = { ...env, ACTIVE_SIGNING_KEYS: JSON.stringify([newer, ...JSON.parse(env.ACTIVE_SIGNING_KEYS)]) };
    const jwks: any = await (await call(rotated, "/.well-known/jwks.json")).json();
    expect(jwks.keys.map((k: any) => k.kid)[0]).toBe(newer.kid);
    expect(jwks.keys).toHaveLength(2);
    const old = await call(rotated, `/api/events/${fan.eventId}/seats`, { jar: fan.jar });
    expect(old.status).toBe(200);
  });

  test("an unreachable origin is a 502 JSON error", async () => {
    const fan = await admittedFan("proxy-down");
    const down = { ...env, ORIGIN_URL: "http://127.0.0.1:9" };
    const res = await call(down, `/api/events/${fan.eventId}/seats`, { jar: fan.jar });
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ code: "ORIGIN_UNREACHABLE" });
  });
});
