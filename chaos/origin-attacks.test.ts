/**
 * Bad input and forged credentials against the origin's fan routes, on real Redis and
 * MySQL: every refusal is a 4xx `{ code, message }` and leaves both stores exactly as
 * they were.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from "jose";
import { ACTIVE_ALG, signActiveToken, signQueueTicket, type SigningJwk } from "../common/tokens.ts";
import { signingKeyFromEnv } from "../test/kit/dev-sessions.ts";
import { Harness, type Reply } from "../origin/test/support/harness.ts";
import { uniqueEventId } from "../test/kit/event-ids.ts";
import { snapshot } from "./support/state.ts";

let h: Harness;
let fan: { token: string; sid: string };
let otherEvent: string;
let otherFan: { token: string; sid: string };
let ownHold: string;
const realKey = () => signingKeyFromEnv(process.env);

beforeAll(async () => {
  h = await Harness.create("chaos-attack");
  otherEvent = uniqueEventId("chaos-other");
  await h.createEvent({ id: otherEvent, sections: [{ name: "B", rows: 1, seatsPerRow: 5, tier: "standard", priceCents: 100 }] });
  [fan] = (await h.sessions(1)) as [typeof fan];
  [otherFan] = (await h.sessions(1, 600, otherEvent)) as [typeof otherFan];
  // one sale already made, so "unchanged" covers sold seats and orders too
  const [buyer] = await h.sessions(1);
  const held = await h.hold(buyer!.token, ["A-2-10"]);
  expect((await h.purchase(buyer!.token, held.body.holdId)).status).toBe(201);
  const mine = await h.hold(fan.token, ["A-2-9"]);
  expect(mine.status).toBe(201);
  ownHold = mine.body.holdId;
});
afterAll(() => h.close());

/** Sends raw bytes, as an attacker would, with the edge's headers and the fan's token. */
async function raw(method: string, path: string, body: BodyInit | undefined, headers: Record<string, string> = {}, token: string | null = fan.token): Promise<Reply> {
  const all: Record<string, string> = { ...h.edgeHeaders(), "content-type": "application/json", ...headers };
  if (token) all.authorization = `Bearer ${token}`;
  // what any HTTP/1.1 client sends with a body of known size
  if (typeof body === "string" && !("content-length" in all)) all["content-length"] = String(Buffer.byteLength(body));
  const res = await h.app.handle(new Request(`http://origin.test${path}`, { method, headers: all, body }));
  const text = await res.text();
  let parsed: any = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, body: parsed, headers: res.headers };
}

async function expectRefusedUnchanged(send: () => Promise<Reply>, status: number | number[], code?: string) {
  // latency samples of earlier purchases are pushed in the background; push them now so they do not land mid-check
  await h.app.deps.admission.flushLatency();
  const before = await snapshot(h, [h.eventId, otherEvent]);
  const r = await send();
  const statuses = Array.isArray(status) ? status : [status];
  const seen = { status: r.status, body: r.body };
  expect(seen).toEqual({ status: statuses.includes(r.status) ? r.status : statuses[0]!, body: { code: code ?? expect.any(String), message: expect.any(String) } });
  expect(r.headers.get("content-type") ?? "").toContain("application/json");
  const after = await snapshot(h, [h.eventId, otherEvent]);
  // A purchase refused after its Idempotency-Key was claimed keeps that refusal as the key's
  // first outcome (a replay must get the same answer); nothing else may change.
  for (const id of Object.keys(after)) {
    const redisAfter = (after[id] as { redis: Record<string, unknown> }).redis;
    const redisBefore = (before[id] as { redis: Record<string, unknown> }).redis;
    for (const key of Object.keys(redisAfter)) {
      if (key in redisBefore || !key.includes(":idem:")) continue;
      expect(JSON.parse(String(redisAfter[key]))).toMatchObject({ state: "done", outcome: { status: r.status, body: r.body } });
      delete redisAfter[key];
    }
  }
  expect(after).toEqual(before);
  return r;
}

const holds = () => `/api/events/${h.eventId}/holds`;

describe("hold requests with bad bodies", () => {
  const bodies: Array<[string, BodyInit, number, string?]> = [
    ["malformed JSON", '{"seatIds": ["A-1-1"', 400],
    ["not JSON at all", "seatIds=A-1-1", 400],
    ["empty body", "", 400],
    ["JSON null", "null", 400],
    ["a JSON array", '["A-1-1"]', 400],
    ["seatIds is a string", '{"seatIds":"A-1-1"}', 400, "INVALID_REQUEST"],
    ["seatIds holds numbers", '{"seatIds":[1,2]}', 400, "INVALID_REQUEST"],
    ["seatIds holds objects", '{"seatIds":[{"id":"A-1-1"}]}', 400, "INVALID_REQUEST"],
    ["empty seat list", '{"seatIds":[]}', 400, "INVALID_REQUEST"],
    ["more seats than any hold may name", JSON.stringify({ seatIds: Array.from({ length: 21 }, (_, i) => `A-1-${i + 1}`) }), 400, "INVALID_REQUEST"],
    ["a seat id that is a key pattern", '{"seatIds":["*"]}', 400, "INVALID_REQUEST"],
    ["a seat id with Redis key syntax", '{"seatIds":["A-1-1}:sold"]}', 400, "INVALID_REQUEST"],
    ["__proto__ pollution", '{"__proto__":{"seatIds":["A-1-1"]}}', 400, "INVALID_BODY"],
    ["deeply nested JSON", "[".repeat(5000) + "]".repeat(5000), 400],
  ];
  for (const [name, body, status, code] of bodies) {
    test(`${name}: ${status}, nothing held`, async () => {
      await expectRefusedUnchanged(() => raw("POST", holds(), body), status, code);
    });
  }

  test("JSON sent as text/plain or form data is not taken as a hold", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
      await expectRefusedUnchanged(() => raw("POST", holds(), '{"seatIds":["A-1-1"]}', { "content-type": type }), [400, 415]);
    }
  });

  test("a huge body (8 MiB) is refused with a 4xx, nothing held", async () => {
    const huge = JSON.stringify({ seatIds: ["A-1-1"], pad: "x".repeat(8 * 1024 * 1024) });
    const r = await expectRefusedUnchanged(() => raw("POST", holds(), huge), 413, "BODY_TOO_LARGE");
    expect(r.body.message).toContain("65536");
  });

  test("on the real server, a chunked huge body with no declared length is cut off too, nothing held", async () => {
    const server = h.app.listen({ port: 0, hostname: "127.0.0.1" });
    try {
      const before = await snapshot(h, [h.eventId, otherEvent]);
      const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(new TextEncoder().encode('{"seatIds":["A-1-1"],"pad":"'));
        },
        pull(c) {
          if (sent++ < 64) c.enqueue(chunk);
          else {
            c.enqueue(new TextEncoder().encode('"}'));
            c.close();
          }
        },
      });
      const res = await fetch(`http://127.0.0.1:${server.server!.port}${holds()}`, {
        method: "POST",
        headers: { ...h.edgeHeaders(), authorization: `Bearer ${fan.token}`, "content-type": "application/json" },
        body,
      }).catch((e: Error) => e);
      if (res instanceof Response) expect(res.status).toBe(413);
      // else the server closed the connection on the oversized stream: also a refusal
      expect(await snapshot(h, [h.eventId, otherEvent])).toEqual(before);
    } finally {
      await h.app.stop(true);
    }
  });
});

describe("hold requests naming the wrong seats", () => {
  test("unknown seat ids: 4xx, nothing held", async () => {
    await expectRefusedUnchanged(() => raw("POST", holds(), JSON.stringify({ seatIds: ["Z-9-9"] })), [400, 404, 409, 422]);
    await expectRefusedUnchanged(() => raw("POST", holds(), JSON.stringify({ seatIds: ["A-1-1", "A-99-1"] })), [400, 404, 409, 422]);
  });

  test("a seat of another event: 4xx, nothing held in either event", async () => {
    await expectRefusedUnchanged(() => raw("POST", holds(), JSON.stringify({ seatIds: ["B-1-1"] })), [400, 404, 409, 422]);
  });

  test("more seats than the event's per-order limit: 409 SEAT_LIMIT", async () => {
    await expectRefusedUnchanged(() => raw("POST", holds(), JSON.stringify({ seatIds: ["A-1-1", "A-1-2", "A-1-3", "A-1-4"] })), 409, "SEAT_LIMIT");
  });

  test("the same seat twice in one request: 4xx, nothing held", async () => {
    await expectRefusedUnchanged(() => raw("POST", holds(), JSON.stringify({ seatIds: ["A-1-1", "A-1-1"] })), [400, 409, 422]);
  });

  test("an already sold seat: 409 SEAT_SOLD", async () => {
    await expectRefusedUnchanged(() => raw("POST", holds(), JSON.stringify({ seatIds: ["A-1-5", "A-2-10"] })), 409, "SEAT_SOLD");
  });
});

describe("releases and purchases of holds that are not yours", () => {
  test("malformed, unknown and foreign hold ids are refused", async () => {
    const [stranger] = await h.sessions(1);
    const purchase = (holdId: string, token = fan.token, key: string | null = `k-${crypto.randomUUID()}`) =>
      raw("POST", `/api/events/${h.eventId}/holds/${holdId}/purchase`, undefined, key ? { "idempotency-key": key } : {}, token);
    await expectRefusedUnchanged(() => purchase("../../admin"), [400, 404]);
    await expectRefusedUnchanged(() => purchase("hld_doesnotexist0000"), [403, 404, 410]);
    await expectRefusedUnchanged(() => purchase(ownHold, stranger!.token), [403, 404]);
    await expectRefusedUnchanged(() => raw("DELETE", `/api/events/${h.eventId}/holds/${ownHold}`, undefined, {}, stranger!.token), [403, 404]);
    await expectRefusedUnchanged(() => purchase(ownHold, fan.token, null), 400);
    await expectRefusedUnchanged(() => purchase(ownHold, fan.token, "spaces are not allowed"), 400);
    await expectRefusedUnchanged(() => purchase(ownHold, fan.token, "k".repeat(129)), 400);
    // a hold of this event addressed through another event's path, with that event's token
    await expectRefusedUnchanged(() => raw("POST", `/api/events/${otherEvent}/holds/${ownHold}/purchase`, undefined, { "idempotency-key": `k-${crypto.randomUUID()}` }, otherFan.token), [403, 404, 410]);
  });
});

describe("forged, stale and misplaced tokens", () => {
  const hold = (token: string | null, extra: Record<string, string> = {}, path = holds()) => raw("POST", path, JSON.stringify({ seatIds: ["A-1-1"] }), extra, token);

  test("forged signature, alg none, HS256 and a queue ticket: 401", async () => {
    const { privateKey } = await generateKeyPair(ACTIVE_ALG, { extractable: true });
    const forged: SigningJwk = { ...(await exportJWK(privateKey)), kid: realKey().kid };
    await expectRefusedUnchanged(async () => hold(await signActiveToken({ evt: h.eventId, sid: fan.sid }, 600, forged)), 401, "TOKEN_INVALID");
    const none = new UnsecuredJWT({ typ: "active", evt: h.eventId, sid: fan.sid }).setIssuer("concert-u-edge").setIssuedAt().setExpirationTime("10m").encode();
    await expectRefusedUnchanged(() => hold(none), 401, "TOKEN_INVALID");
    const ticket = await signQueueTicket({ evt: h.eventId, tid: "t1", num: 1 }, 600, process.env.TICKET_SECRET!);
    await expectRefusedUnchanged(() => hold(ticket), 401, "TOKEN_INVALID");
    const hs = await new SignJWT({ typ: "active", evt: h.eventId, sid: fan.sid })
      .setProtectedHeader({ alg: "HS256", kid: realKey().kid })
      .setIssuer("concert-u-edge")
      .setIssuedAt()
      .setExpirationTime("10m")
      .sign(new TextEncoder().encode(process.env.TICKET_SECRET!));
    await expectRefusedUnchanged(() => hold(hs), 401, "TOKEN_INVALID");
  });

  test("a kid the origin does not know: 401, even when the key is otherwise right", async () => {
    await expectRefusedUnchanged(async () => hold(await signActiveToken({ evt: h.eventId, sid: fan.sid }, 600, { ...realKey(), kid: "unknown-kid" })), 401, "TOKEN_INVALID");
  });

  test("expired beyond the leeway and not yet valid beyond the leeway: 401", async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRefusedUnchanged(async () => hold(await signActiveToken({ evt: h.eventId, sid: fan.sid }, 60, realKey(), now - 70)), 401, "TOKEN_INVALID");
    await expectRefusedUnchanged(async () => hold(await signActiveToken({ evt: h.eventId, sid: fan.sid }, 600, realKey(), now + 60)), 401, "TOKEN_INVALID");
  });

  test("an active token of another event: 403 TOKEN_WRONG_EVENT", async () => {
    await expectRefusedUnchanged(() => hold(otherFan.token), 403, "TOKEN_WRONG_EVENT");
  });

  test("a revoked session: 403 SESSION_INACTIVE", async () => {
    const [gone] = await h.sessions(1);
    expect((await h.call("DELETE", `/api/events/${h.eventId}/session`, { token: gone!.token })).status).toBeLessThan(300);
    await expectRefusedUnchanged(() => hold(gone!.token), 403, "SESSION_INACTIVE");
  });

  test("a token in the query string is ignored: 401 TOKEN_MISSING", async () => {
    for (const name of ["token", "access_token", "activeToken", "authorization"]) {
      await expectRefusedUnchanged(() => hold(null, {}, `${holds()}?${name}=${encodeURIComponent(fan.token)}`), 401, "TOKEN_MISSING");
    }
  });

  test("a valid token sent straight to the origin without the edge's secret: 401 NOT_FROM_EDGE", async () => {
    await expectRefusedUnchanged(() => hold(fan.token, { "x-origin-auth": "guessed" }), 401, "NOT_FROM_EDGE");
  });
});
