/**
 * The hostile inputs of docs/RELIABILITY.md ("Hostile inputs tried"), sent for real: through
 * the edge Worker in front of a real origin, and straight at the origin. Each must get the
 * answer the table gives (a 4xx JSON `{ code, message }`, never a 5xx) and a refused one must
 * change nothing in Redis or MySQL. The table is checked against this list, so the document
 * and the behaviour cannot drift apart.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { exportJWK, generateKeyPair, importJWK, SignJWT, UnsecuredJWT } from "jose";
import { ACTIVE_ALG, signActiveToken, signQueueTicket, type SigningJwk } from "../common/tokens.ts";
import type { Env } from "../edge/src/env.ts";
import { startBridge } from "../test/kit/bridge.ts";
import { admitHead, dropEvent, openQueue } from "../edge/test/helpers/redis.ts";
import { call, testEnv } from "../edge/test/helpers/worker.ts";
import { Harness } from "../origin/test/support/harness.ts";
import { uniqueEventId } from "../test/kit/event-ids.ts";
import { snapshot } from "./support/state.ts";

setDefaultTimeout(60_000);

let h: Harness;
let bridge: Awaited<ReturnType<typeof startBridge>>;
let server: { stop(force?: boolean): unknown; port: number };
let env: Env;
let otherEvent: string;
const key = () => (JSON.parse(env.ACTIVE_SIGNING_KEYS) as SigningJwk[])[0]!;
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  h = await Harness.create("hostile");
  otherEvent = uniqueEventId("hostile2");
  await h.createEvent({ id: otherEvent });
  await openQueue(h.eventId);
  await openQueue(otherEvent);
  const listening = h.app.listen({ port: 0, hostname: "127.0.0.1" });
  server = { stop: (f) => h.app.stop(f), port: listening.server!.port! };
  bridge = await startBridge();
  env = testEnv(bridge.url, { ORIGIN_URL: `http://127.0.0.1:${server.port}` });
});
afterAll(async () => {
  await server.stop(true);
  await dropEvent(h.eventId);
  await dropEvent(otherEvent);
  await h.close();
  await bridge.stop();
});

let ip = 0;
/** Joins through the edge, is admitted and claims: a fan with an active-token cookie. */
async function admittedFan(eventId = h.eventId) {
  const jar = new Map<string, string>();
  const from = `198.19.${Math.floor(ip / 250)}.${(ip++ % 250) + 1}`;
  expect((await call(env, `/queue/${eventId}/join`, { method: "POST", jar, ip: from })).status).toBe(201);
  await admitHead(eventId, 100);
  const claimed = await call(env, `/queue/${eventId}/claim`, { method: "POST", jar, ip: from });
  expect(claimed.status).toBe(200);
  const body = (await claimed.json()) as { activeToken: string; sessionId: string };
  return { jar, token: body.activeToken, sid: body.sessionId };
}

type Answer = { status: number; code: string | undefined };
interface Case {
  name: string;
  via: "edge" | "origin";
  expect: string;
  send(): Promise<Answer>;
  /** true when the case is accepted (so it may change state) */
  accepted?: boolean;
  /** a refused purchase records its refusal under its Idempotency-Key (by design: a replay gets the same answer) */
  records?: boolean;
}

async function viaEdge(path: string, init: Parameters<typeof call>[2] = {}): Promise<Answer> {
  const res = await call(env, path, init);
  const text = await res.text();
  if (res.status >= 400) {
    expect(res.headers.get("content-type") ?? "").toContain("application/json");
    expect(JSON.parse(text)).toEqual({ code: expect.any(String), message: expect.any(String) });
  }
  return { status: res.status, code: res.status >= 400 ? JSON.parse(text).code : undefined };
}

async function viaOrigin(method: string, path: string, init: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: BodyInit; noEdge?: boolean } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...(init.noEdge ? {} : h.edgeHeaders()), ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined || init.raw !== undefined) headers["content-type"] ??= "application/json";
  // over the network to the listening origin, as an attacker who found its address would
  const res = await fetch(`http://127.0.0.1:${server.port}${path}`, { method, headers, body: init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body)) });
  const text = await res.text();
  // Bun's own limit answers an oversized declared length before the app runs: 413, no body
  if (res.status === 413 && text === "") return { status: 413, code: "(empty body)" };
  if (res.status >= 400) expect(JSON.parse(text)).toEqual({ code: expect.any(String), message: expect.any(String) });
  return { status: res.status, code: res.status >= 400 ? JSON.parse(text).code : undefined };
}

const answer = (a: Answer) => (a.code ? `${a.status} ${a.code}` : String(a.status));

describe("hostile inputs (docs/RELIABILITY.md)", () => {
  let cases: Case[] = [];

  beforeAll(async () => {
    const e = h.eventId;
    const fan = await admittedFan();
    const other = await admittedFan(otherEvent);
    const ended = await admittedFan();
    const endedHold = await viaEdge(`/api/events/${e}/holds`, { method: "POST", jar: ended.jar, body: JSON.stringify({ seatIds: ["A-2-10"] }), headers: { "content-type": "application/json" } });
    expect(endedHold.status).toBe(201);
    const endedHoldId = (await h.redis.keys(`cu:{${e}}:hold:*`))[0]!.split(":hold:")[1]!;
    expect((await call(env, `/api/events/${e}/session`, { method: "DELETE", jar: ended.jar })).status).toBe(200);
    const [originFan, rival] = await h.sessions(2);
    const rivalHold = await h.hold(rival!.token, ["A-2-9"]);
    expect(rivalHold.status).toBe(201);

    const { privateKey } = await generateKeyPair(ACTIVE_ALG, { extractable: true });
    const stranger: SigningJwk = { ...(await exportJWK(privateKey)), kid: key().kid };
    const t = now();
    const yearAhead = await new SignJWT({ typ: "active", evt: e, sid: fan.sid })
      .setProtectedHeader({ alg: ACTIVE_ALG, kid: key().kid, typ: "JWT" })
      .setIssuer("concert-u-edge")
      .setIssuedAt(t + 365 * 86_400)
      .setExpirationTime(t + 365 * 86_400 + 600)
      .sign(await importJWK(key(), ACTIVE_ALG));
    const tokens = {
      garbage: "not-a-jwt",
      none: new UnsecuredJWT({ typ: "active", evt: e, sid: fan.sid }).setIssuer("concert-u-edge").setIssuedAt().setExpirationTime("10m").encode(),
      hs256: await new SignJWT({ typ: "active", evt: e, sid: fan.sid })
        .setProtectedHeader({ alg: "HS256", kid: key().kid })
        .setIssuer("concert-u-edge")
        .setIssuedAt()
        .setExpirationTime("10m")
        .sign(new TextEncoder().encode(env.TICKET_SECRET.split(",")[0]!)),
      ticket: await signQueueTicket({ evt: e, tid: "t-hostile", num: 1 }, 600, env.TICKET_SECRET.split(",")[0]!),
      forged: await signActiveToken({ evt: e, sid: fan.sid }, 600, stranger),
      unknownKid: await signActiveToken({ evt: e, sid: fan.sid }, 600, { ...key(), kid: "nope" }),
      expired: await signActiveToken({ evt: e, sid: fan.sid }, 60, key(), t - 70),
      notYet: await signActiveToken({ evt: e, sid: fan.sid }, 600, key(), t + 60),
      yearAhead,
      dayOld: await signActiveToken({ evt: e, sid: fan.sid }, 26 * 3600, key(), t - 25 * 3600),
    };
    const holdBody = { method: "POST", body: JSON.stringify({ seatIds: ["A-2-1"] }), headers: { "content-type": "application/json" } } as const;
    const bearer = (token: string) => ({ ...holdBody, headers: { ...holdBody.headers, authorization: `Bearer ${token}` } });
    const holds = `/api/events/${e}/holds`;

    const edge = (name: string, expect: string, send: () => Promise<Answer>, accepted = false): Case => ({ name, via: "edge", expect, send, accepted });
    const origin = (name: string, expect: string, send: () => Promise<Answer>): Case => ({ name, via: "origin", expect, send });
    cases = [
      edge("no credential at all", "401 NOT_ADMITTED", () => viaEdge(holds, holdBody)),
      edge("a Bearer value that is not a JWT", "401 NOT_ADMITTED", () => viaEdge(holds, bearer(tokens.garbage))),
      edge("an unsigned token (alg none)", "401 NOT_ADMITTED", () => viaEdge(holds, bearer(tokens.none))),
      edge("HS256 signed with the ticket secret, the edge's kid", "401 NOT_ADMITTED", () => viaEdge(holds, bearer(tokens.hs256))),
      edge("a queue ticket as the Bearer token", "401 NOT_ADMITTED", () => viaEdge(holds, bearer(tokens.ticket))),
      edge("signed by another key under the edge's kid", "401 NOT_ADMITTED", () => viaEdge(holds, bearer(tokens.forged))),
      edge("an unknown kid", "401 NOT_ADMITTED", () => viaEdge(holds, bearer(tokens.unknownKid))),
      edge("expired 70 s ago (leeway 5 s)", "401 NOT_ADMITTED", () => viaEdge(holds, bearer(tokens.expired))),
      edge("not valid for another minute", "401 NOT_ADMITTED", () => viaEdge(holds, bearer(tokens.notYet))),
      edge("iat a year ahead, signed with the real key", "401 NOT_ADMITTED", () => viaEdge(holds, bearer(tokens.yearAhead))),
      edge("iat 25 h ago, exp still ahead", "401 NOT_ADMITTED", () => viaEdge(holds, bearer(tokens.dayOld))),
      edge("another event's active token", "401 NOT_ADMITTED", () => viaEdge(holds, bearer(other.token))),
      edge("the token in the query string", "401 NOT_ADMITTED", () => viaEdge(`${holds}?token=${fan.token}`, holdBody)),
      edge("an ended session's cookie", "403 SESSION_INACTIVE", () => viaEdge(holds, { ...holdBody, jar: ended.jar })),
      edge("an ended session's cookie and a live session's Bearer", "201", () => viaEdge(holds, { ...bearer(fan.token), jar: ended.jar }), true),
      edge("an encoded slash (%2F) in the path", "400 BAD_PATH", () => viaEdge(`/api/events/${e}%2Fholds`, { ...holdBody, jar: fan.jar })),
      edge("an encoded backslash (%5C) in the path", "400 BAD_PATH", () => viaEdge(`/api/events/${e}/holds%5C..%5Cx`, { ...holdBody, jar: fan.jar })),
      edge("a NUL (%00) in the path", "400 BAD_PATH", () => viaEdge(`${holds}%00`, { ...holdBody, jar: fan.jar })),
      edge("an empty path segment (//)", "400 BAD_PATH", () => viaEdge(`/api//events/${e}/holds`, { ...holdBody, jar: fan.jar })),
      edge("an encoded dot segment (%2e%2e), resolved by the runtime", "404 NOT_FOUND", () => viaEdge(`/api/events/${e}/%2e%2e/%2e%2e/admin/events`, { ...holdBody, jar: fan.jar })),
      edge("an origin admin route under /api", "404 NOT_FOUND", () => viaEdge("/api/admin/events", { jar: fan.jar })),
      edge("a method the route does not take", "405 METHOD_NOT_ALLOWED", () => viaEdge(`/api/events/${e}/seats`, { method: "DELETE", jar: fan.jar })),
      edge("an event id the pattern refuses", "400 BAD_EVENT_ID", () => viaEdge("/api/events/a.b/holds", { ...holdBody, jar: fan.jar })),
      edge("a body over MAX_BODY_BYTES (64 KiB)", "413 BODY_TOO_LARGE", () => viaEdge(holds, { ...holdBody, jar: fan.jar, body: JSON.stringify({ seatIds: ["A-2-1"], pad: "x".repeat(70_000) }) })),
      edge("the orders route with two events' cookies and no event named", "400 EVENT_REQUIRED", () => viaEdge("/api/orders/ord_aaaaaaaaaaaaaaaaaaaaaa", { jar: new Map([...fan.jar, ...other.jar]) })),
      origin("a valid token without the edge's X-Origin-Auth", "401 NOT_FROM_EDGE", () => viaOrigin("POST", holds, { token: originFan!.token, body: { seatIds: ["A-2-2"] }, noEdge: true })),
      origin("a guessed X-Origin-Auth", "401 NOT_FROM_EDGE", () => viaOrigin("POST", holds, { token: originFan!.token, body: { seatIds: ["A-2-2"] }, noEdge: true, headers: { "x-origin-auth": "guessed" } })),
      origin("no Authorization", "401 TOKEN_MISSING", () => viaOrigin("POST", holds, { body: { seatIds: ["A-2-2"] } })),
      origin("iat a year ahead, signed with the real key", "401 TOKEN_INVALID", () => viaOrigin("POST", holds, { token: tokens.yearAhead, body: { seatIds: ["A-2-2"] } })),
      origin("another event's active token", "403 TOKEN_WRONG_EVENT", () => viaOrigin("POST", holds, { token: other.token, body: { seatIds: ["A-2-2"] } })),
      origin("an ended session lists its holds", "403 SESSION_INACTIVE", () => viaOrigin("GET", holds, { token: ended.token })),
      origin("an ended session leaves again", "403 SESSION_INACTIVE", () => viaOrigin("DELETE", `/api/events/${e}/session`, { token: ended.token })),
      origin("an ended session releases its old hold", "403 SESSION_INACTIVE", () => viaOrigin("DELETE", `${holds}/${endedHoldId}`, { token: ended.token })),
      origin("malformed JSON", "400 INVALID_BODY", () => viaOrigin("POST", holds, { token: originFan!.token, raw: '{"seatIds": [' })),
      origin("an object keyed toString", "400 INVALID_BODY", () => viaOrigin("POST", holds, { token: originFan!.token, raw: '{"seatIds":["A-2-2"],"x":{"toString":1}}' })),
      origin("21 seats in one hold", "400 INVALID_REQUEST", () => viaOrigin("POST", holds, { token: originFan!.token, body: { seatIds: Array.from({ length: 21 }, (_, i) => `A-1-${i + 1}`) } })),
      origin("a seat id with key syntax (*)", "400 INVALID_REQUEST", () => viaOrigin("POST", holds, { token: originFan!.token, body: { seatIds: ["A-*"] } })),
      origin("a seat the event does not have", "400 UNKNOWN_SEAT", () => viaOrigin("POST", holds, { token: originFan!.token, body: { seatIds: ["Z-9-99"] } })),
      origin("the same seat twice", "400 INVALID_REQUEST", () => viaOrigin("POST", holds, { token: originFan!.token, body: { seatIds: ["A-2-2", "A-2-2"] } })),
      origin("an 8 MiB body (declared length), on the listening server", "413 (empty body)", () => viaOrigin("POST", holds, { token: originFan!.token, raw: JSON.stringify({ seatIds: ["A-2-2"], pad: "x".repeat(8 << 20) }) })),
      origin("a purchase without Idempotency-Key", "400 INVALID_REQUEST", () => viaOrigin("POST", `${holds}/${rivalHold.body.holdId}/purchase`, { token: rival!.token })),
      origin("an Idempotency-Key of 129 characters", "400 INVALID_REQUEST", () =>
        viaOrigin("POST", `${holds}/${rivalHold.body.holdId}/purchase`, { token: rival!.token, headers: { "idempotency-key": "k".repeat(129) } }),
      ),
      origin("releasing another fan's hold", "403 NOT_HOLD_OWNER", () => viaOrigin("DELETE", `${holds}/${rivalHold.body.holdId}`, { token: originFan!.token })),
      {
        ...origin("buying another fan's hold", "403 NOT_HOLD_OWNER", () =>
          viaOrigin("POST", `${holds}/${rivalHold.body.holdId}/purchase`, { token: originFan!.token, headers: { "idempotency-key": "steal-1" } }),
        ),
        records: true,
      },
      origin("a malformed hold id", "400 INVALID_REQUEST", () => viaOrigin("DELETE", `${holds}/not%20an%20id`, { token: originFan!.token })),
      origin("a hold id nobody holds", "410 HOLD_EXPIRED", () => viaOrigin("DELETE", `${holds}/hold_aaaaaaaaaaaaaaaaaaaaaa`, { token: originFan!.token })),
    ];
  });

  test("each gets the answer the table gives, a JSON {code, message} when refused, and a refusal changes nothing", async () => {
    const got: string[] = [];
    for (const c of cases) {
      const before = c.accepted ? null : await snapshot(h, [h.eventId, otherEvent]);
      const a = await c.send();
      expect(a.status).toBeLessThan(500);
      got.push(`${c.via}: ${c.name}: ${answer(a)}`);
      if (!before) continue;
      const after = await snapshot(h, [h.eventId, otherEvent]);
      if (c.records) {
        // the one write a refused purchase makes: its outcome, equal to the refusal
        const redisAfter = (after[h.eventId] as { redis: Record<string, unknown> }).redis;
        const [idem, ...more] = Object.keys(redisAfter).filter((k) => k.includes(":idem:") && !(k in (before[h.eventId] as { redis: Record<string, unknown> }).redis));
        expect(more).toEqual([]);
        expect(JSON.parse(redisAfter[idem!] as string).outcome).toMatchObject({ status: a.status, body: { code: a.code } });
        delete redisAfter[idem!];
      }
      expect({ name: c.name, state: after }).toEqual({ name: c.name, state: before });
    }
    expect(got).toEqual(cases.map((c) => `${c.via}: ${c.name}: ${c.expect}`));
  });

  test("docs/RELIABILITY.md lists every one of them with its answer", async () => {
    const doc = await Bun.file(join(import.meta.dir, "..", "docs", "RELIABILITY.md")).text();
    const rows = cases.map((c) => `| ${c.name} | ${c.via} | ${c.expect.replace(/^(\d+) ([A-Z_]+)$/, "$1 `$2`")} |`);
    expect(rows.filter((row) => !doc.includes(row))).toEqual([]);
  });
});
