import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { exportJWK, generateKeyPair, importJWK, SignJWT, UnsecuredJWT } from "jose";
import { eventKeys } from "../../common/keys.ts";
import { ACTIVE_ALG, signActiveToken, signQueueTicket, type SigningJwk } from "../../common/tokens.ts";
import { signingKeyFromEnv } from "../../test/kit/dev-sessions.ts";
import { Harness, errorShape } from "./support/harness.ts";
import { uniqueEventId } from "../../test/kit/event-ids.ts";

let h: Harness;
let otherEvent: string;
const realKey = () => signingKeyFromEnv(process.env);

beforeAll(async () => {
  h = await Harness.create("guard");
  otherEvent = uniqueEventId("guard2");
  await h.createEvent({ id: otherEvent });
});
afterAll(() => h.close());

const fanRoutes = (eventId: string): Array<[string, string, unknown?]> => [
  ["GET", `/api/events/${eventId}`],
  ["GET", `/api/events/${eventId}/seats`],
  ["POST", `/api/events/${eventId}/holds`, { seatIds: ["A-1-1"] }],
];

async function expectRefused(token: string | undefined, status: number, code: string, eventId = h.eventId) {
  for (const [method, path, body] of fanRoutes(eventId)) {
    const r = await h.call(method, path, { token, body });
    expect({ path, status: r.status, code: r.body.code }).toEqual({ path, status, code });
    expect(r.body).toEqual(errorShape);
    expect(r.headers.get("content-type")).toContain("application/json");
  }
  expect((await h.seatStatuses(eventId))["A-1-1"]).toBe("available");
}

describe("active-token guard", () => {
  test("a live session's token is accepted", async () => {
    const [fan] = await h.sessions(1);
    expect((await h.call("GET", `/api/events/${h.eventId}`, { token: fan!.token })).status).toBe(200);
  });

  test("missing or malformed Authorization is refused with 401", async () => {
    await expectRefused(undefined, 401, "TOKEN_MISSING");
    for (const header of ["Basic abc", "Bearer", "Bearer a b"]) {
      const r = await h.call("GET", `/api/events/${h.eventId}`, { headers: { authorization: header } });
      expect(r.status).toBe(401);
    }
  });

  test("a token signed with another key (same kid) is refused with 401", async () => {
    const { privateKey } = await generateKeyPair(ACTIVE_ALG, { extractable: true });
    const forgedKey: SigningJwk = { ...(await exportJWK(privateKey)), kid: realKey().kid };
    const [fan] = await h.sessions(1);
    await expectRefused(await signActiveToken({ evt: h.eventId, sid: fan!.sid }, 600, forgedKey), 401, "TOKEN_INVALID");
  });

  test("a tampered token is refused with 401", async () => {
    const [fan, other] = await h.sessions(2);
    const [header, , signature] = fan!.token.split(".");
    const payload = Buffer.from(JSON.stringify({ typ: "active", evt: h.eventId, sid: other!.sid, iss: "concert-u-edge", iat: 1, exp: 4102444800 })).toString("base64url");
    await expectRefused(`${header}.${payload}.${signature}`, 401, "TOKEN_INVALID");
  });

  test("unsigned (alg none) and HS256 queue tickets are not active tokens", async () => {
    const unsigned = new UnsecuredJWT({ typ: "active", evt: h.eventId, sid: "s_x" }).setIssuer("concert-u-edge").setIssuedAt().setExpirationTime("10m").encode();
    await expectRefused(unsigned, 401, "TOKEN_INVALID");
    const ticket = await signQueueTicket({ evt: h.eventId, tid: "t1", num: 1 }, 600, process.env.TICKET_SECRET ?? "secret-secret-secret");
    await expectRefused(ticket, 401, "TOKEN_INVALID");
    const hs = await new SignJWT({ typ: "active", evt: h.eventId, sid: "s_x" })
      .setProtectedHeader({ alg: "HS256", kid: realKey().kid })
      .setIssuer("concert-u-edge")
      .setIssuedAt()
      .setExpirationTime("10m")
      .sign(new TextEncoder().encode("guessed-secret"));
    await expectRefused(hs, 401, "TOKEN_INVALID");
  });

  test("an expired token is refused with 401, even while its session is registered", async () => {
    const [fan] = await h.sessions(1);
    const past = Math.floor(Date.now() / 1000) - 3600;
    await expectRefused(await signActiveToken({ evt: h.eventId, sid: fan!.sid }, 60, realKey(), past), 401, "TOKEN_INVALID");
  });

  test("a token issued in the future (beyond the 5 s leeway) or older than a day is refused with 401, even signed with the real key", async () => {
    const [fan] = await h.sessions(1);
    const now = Math.floor(Date.now() / 1000);
    // iat a year ahead, no nbf, a year and ten minutes of life: only the edge's key could sign it
    const future = await new SignJWT({ typ: "active", evt: h.eventId, sid: fan!.sid })
      .setProtectedHeader({ alg: ACTIVE_ALG, kid: realKey().kid, typ: "JWT" })
      .setIssuer("concert-u-edge")
      .setIssuedAt(now + 365 * 86_400)
      .setExpirationTime(now + 365 * 86_400 + 600)
      .sign(await importJWK(realKey(), ACTIVE_ALG));
    await expectRefused(future, 401, "TOKEN_INVALID");
    await expectRefused(await signActiveToken({ evt: h.eventId, sid: fan!.sid }, 600, realKey(), now + 60), 401, "TOKEN_INVALID");
    // issued 25 h ago and still unexpired by its own exp
    await expectRefused(await signActiveToken({ evt: h.eventId, sid: fan!.sid }, 26 * 3600, realKey(), now - 25 * 3600), 401, "TOKEN_INVALID");
    // within the leeway both ways: an edge clock 3 s ahead, a token from 23 h ago
    const ahead = await new SignJWT({ typ: "active", evt: h.eventId, sid: fan!.sid })
      .setProtectedHeader({ alg: ACTIVE_ALG, kid: realKey().kid, typ: "JWT" })
      .setIssuer("concert-u-edge")
      .setIssuedAt(now + 3)
      .setExpirationTime(now + 600)
      .sign(await importJWK(realKey(), ACTIVE_ALG));
    expect((await h.call("GET", `/api/events/${h.eventId}`, { token: ahead })).status).toBe(200);
    const old = await signActiveToken({ evt: h.eventId, sid: fan!.sid }, 24 * 3600, realKey(), now - 23 * 3600);
    expect((await h.call("GET", `/api/events/${h.eventId}`, { token: old })).status).toBe(200);
  });

  test("a token for another event is refused with 403", async () => {
    const [fan] = await h.sessions(1, 600, otherEvent);
    await expectRefused(fan!.token, 403, "TOKEN_WRONG_EVENT");
  });

  test("a room's token is good on an event the room covers (hold, purchase, its order, leaving) and on no other", async () => {
    const admin = { authorization: `Bearer ${h.config.adminKey}` };
    const host = uniqueEventId("guard-room");
    const night2 = uniqueEventId("guard-night2");
    await h.createEvent({ id: host });
    await h.createEvent({ id: night2 });
    expect((await h.call("POST", `/admin/events/${host}/queue`, { headers: admin, body: { adaptive: false } })).status).toBe(201);
    expect((await h.call("PUT", `/admin/events/${host}/queue/covers`, { headers: admin, body: { events: [night2] } })).status).toBe(200);
    const [fan] = await h.sessions(1, 600, host);
    const held = await h.hold(fan!.token, ["A-1-1"], night2);
    expect(held.status).toBe(201);
    const bought = await h.purchase(fan!.token, held.body.holdId, crypto.randomUUID(), night2);
    expect(bought.status).toBe(201);
    expect((await h.call("GET", `/api/orders/${bought.body.orderId}`, { token: fan!.token })).status).toBe(200);
    // an event the room does not cover: refused as a token of another event
    await expectRefused(fan!.token, 403, "TOKEN_WRONG_EVENT");
    // leaving from the covered event ends the room's session too: its slot goes to the next fan
    const [other] = await h.sessions(1, 600, host);
    expect((await h.call("GET", `/api/events/${night2}`, { token: other!.token })).status).toBe(200);
    expect((await h.call("DELETE", `/api/events/${night2}/session`, { token: other!.token })).status).toBe(200);
    expect(await h.redis.zscore(eventKeys(host).active, other!.sid)).toBeNull();
    expect((await h.call("GET", `/api/events/${night2}`, { token: other!.token })).body.code).toBe("SESSION_INACTIVE");
    await h.call("PUT", `/admin/events/${host}/queue/covers`, { headers: admin, body: { events: [] } });
  });

  test("a revoked session is refused with 403, even after its token was accepted (and cached)", async () => {
    const [fan] = await h.sessions(1);
    expect((await h.call("GET", `/api/events/${h.eventId}/seats`, { token: fan!.token })).status).toBe(200);
    await h.redis.zrem(eventKeys(h.eventId).active, fan!.sid);
    await expectRefused(fan!.token, 403, "SESSION_INACTIVE");
  });

  test("a session whose time in Redis has run out is refused with 403", async () => {
    const [fan] = await h.sessions(1);
    await h.redis.zadd(eventKeys(h.eventId).active, Date.now() - 1, fan!.sid);
    await expectRefused(fan!.token, 403, "SESSION_INACTIVE");
  });

  test("a valid token without a registered session is refused with 403", async () => {
    const token = await signActiveToken({ evt: h.eventId, sid: "s_never_registered" }, 600, realKey());
    await expectRefused(token, 403, "SESSION_INACTIVE");
  });

  test("orders need a token too", async () => {
    const r = await h.call("GET", "/api/orders/ord_aaaaaaaaaaaaaaaaaaaaaa");
    expect(r.status).toBe(401);
    expect(r.body).toEqual(errorShape);
  });
});
