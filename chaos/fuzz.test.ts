/**
 * Property-based fuzzing of the origin's request schemas with fast-check, on real Redis and
 * MySQL: thousands of random bodies, path parameters and headers per route. No answer is
 * a 5xx; every refusal is `{ code, message }` JSON; a refused request changes nothing.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import fc from "fast-check";
import { Harness, type Reply } from "../origin/test/support/harness.ts";
import { eventRedisKeys } from "../test/kit/obliterate.ts";

setDefaultTimeout(60_000);

let h: Harness;
let token: string;
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const runs = (n: number) => ({ numRuns: n, seed, endOnFailure: true });

/**
 * The fingerprint lists the event's keys before and after every request. In a Redis
 * database of its own that stays cheap, however many keys benches or other runs left in
 * the default one (a cluster has no databases: there the default is used).
 */
function fuzzRedisUrl(): string | undefined {
  if (process.env.REDIS_CLUSTER_NODES) return undefined;
  const url = new URL(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  url.pathname = "/7";
  return url.toString();
}

beforeAll(async () => {
  h = await Harness.create("chaos-fuzz", {
    redisUrl: fuzzRedisUrl(), event: { perOrderLimit: 4, sections: [{ name: "A", rows: 2, seatsPerRow: 10, tier: "standard", priceCents: 1000 }] } });
  token = (await h.sessions(1, 3600))[0]!.token;
  console.log(`fuzz seed ${seed} (FUZZ_SEED=${seed} repeats this run)`);
});
afterAll(() => h.close());

/**
 * One cheap fingerprint of everything the event owns: every Redis value (DUMP) and the
 * event's MySQL rows. Latency samples (`:lat:`, written in the background after earlier
 * purchases) and idempotency records are measurements and bookkeeping, not seats or orders.
 */
async function fingerprint(): Promise<string> {
  const keys = (await eventRedisKeys(h.redis, h.eventId)).filter((k) => !k.includes(":lat:") && !k.includes(":idem:")).sort();
  const pipe = h.redis.pipeline();
  for (const k of keys) pipe.dump(k);
  const dumps = ((await pipe.exec()) ?? []).map(([, v]) => (v as Buffer | null)?.toString("base64") ?? "-");
  const [rows] = (await h.database.pool.query(
    "SELECT (SELECT COUNT(*) FROM orders WHERE event_id = ?) AS o, (SELECT COUNT(*) FROM reservations WHERE event_id = ?) AS r, (SELECT COUNT(*) FROM events WHERE id = ?) AS e, (SELECT COUNT(*) FROM seats WHERE event_id = ?) AS s",
    [h.eventId, h.eventId, h.eventId, h.eventId],
  )) as unknown as [unknown[]];
  return JSON.stringify([keys, dumps, rows]);
}

const stats = { requests: 0, accepted: 0, refused: 0, byStatus: new Map<number, number>() };

async function send(method: string, path: string, body: string | undefined, headers: Record<string, string>): Promise<Reply> {
  const res = await h.app.handle(new Request(`http://origin.test${path}`, { method, headers, body }));
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, body: parsed, headers: res.headers };
}

/** Sends one request, asserts no 5xx and a JSON error on refusal, and that a refusal changed nothing. */
async function probe(method: string, path: string, body: string | undefined, headers: Record<string, string>): Promise<Reply> {
  const before = await fingerprint();
  const r = await send(method, path, body, headers);
  stats.requests++;
  stats.byStatus.set(r.status, (stats.byStatus.get(r.status) ?? 0) + 1);
  expect({ path, body: body?.slice(0, 200), status: r.status }).toEqual({ path, body: body?.slice(0, 200), status: r.status < 500 ? r.status : 499 });
  if (r.status >= 400) {
    stats.refused++;
    expect(r.body).toEqual({ code: expect.any(String), message: expect.any(String) });
    expect(await fingerprint()).toBe(before);
  } else stats.accepted++;
  return r;
}

const seatLike = fc.oneof(
  fc.constantFrom("A-1-1", "A-2-10", "A-3-1", "B-1-1", "A-0-0", "a-1-1", "A-1-1 ", "A--1", "A-1-1\u0000", "*", "A-1-*", "A-1-1}:sold", "../A-1-1"),
  fc.tuple(fc.stringMatching(/^[A-Za-z0-9]{1,9}$/), fc.integer({ min: -5, max: 10_001 }), fc.integer({ min: -5, max: 10_001 })).map(([s, r, n]) => `${s}-${r}-${n}`),
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.constant(null),
  fc.double(),
  fc.boolean(),
  fc.object({ maxDepth: 1 }),
);

const bodyText = fc.oneof(
  { weight: 4, arbitrary: fc.record({ seatIds: fc.oneof(fc.array(seatLike, { maxLength: 30 }), seatLike) }, { requiredKeys: [] }).map((o) => JSON.stringify(o)) },
  { weight: 2, arbitrary: fc.json({ maxDepth: 4 }) },
  { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 300 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString("latin1")) },
  { weight: 1, arbitrary: fc.constantFrom("", "{", "}", "[]", "null", '{"seatIds":', '{"seatIds":[]}', "{\"seatIds\":[\"A-1-1\"],\"seatIds\":5}", "[".repeat(3000)) },
);

const contentType = fc.constantFrom("application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=zz", "application/octet-stream", "", "application/json; charset=latin1");

/** A path segment: mostly junk, sometimes the real event, encoded as a client would. */
const segment = (real: () => string) =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constant(null).map(() => real()) },
    { weight: 3, arbitrary: fc.string({ minLength: 1, maxLength: 80 }).map((s) => encodeURIComponent(s)) },
    { weight: 1, arbitrary: fc.constantFrom("%2e%2e", "..", "%00", "%ZZ", "a%2Fb", "%F0%28%8C%28", "x".repeat(300), "demo", "__proto__", "constructor") },
  );

const holdIdLike = fc.oneof(fc.stringMatching(/^[a-z]{1,6}_[A-Za-z0-9_-]{8,42}$/), fc.string({ minLength: 1, maxLength: 60 }).map(encodeURIComponent));
const headerValue = fc.string({ maxLength: 200 }).map((s) => s.replace(/[^\x20-\x7e]/g, ""));

const fanHeaders = (extra: Record<string, string> = {}) => ({ ...h.edgeHeaders(), authorization: `Bearer ${token}`, ...extra });

describe("fuzzing the origin's request schemas", () => {
  test("POST /api/events/:eventId/holds: 1,500 random bodies and content types", async () => {
    await fc.assert(
      fc.asyncProperty(bodyText, contentType, async (body, type) => {
        const r = await probe("POST", `/api/events/${h.eventId}/holds`, body, fanHeaders(type ? { "content-type": type } : {}));
        // an accepted hold is released at once, so the next run starts from free seats
        if (r.status === 201) expect((await h.release(token, (r.body as { holdId: string }).holdId)).status).toBe(200);
      }),
      runs(1500),
    );
  });

  test("path parameters of every fan route: 1,000 random event, hold and order ids", async () => {
    const routes: Array<[string, (e: string, x: string) => string]> = [
      ["GET", (e) => `/api/events/${e}`],
      ["GET", (e) => `/api/events/${e}/seats`],
      ["POST", (e) => `/api/events/${e}/holds`],
      ["DELETE", (e, x) => `/api/events/${e}/holds/${x}`],
      ["POST", (e, x) => `/api/events/${e}/holds/${x}/purchase`],
      ["DELETE", (e) => `/api/events/${e}/session-x`],
      ["GET", (_, x) => `/api/orders/${x}`],
    ];
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: routes.length - 1 }), segment(() => h.eventId), holdIdLike, async (i, e, x) => {
        const [method, path] = routes[i]!;
        const body = method === "POST" ? '{"seatIds":["A-1-1"]}' : undefined;
        const r = await probe(method, path(e, x), body, fanHeaders({ "content-type": "application/json", "idempotency-key": "fuzz-path" }));
        if (r.status === 201 && (r.body as { holdId?: string }).holdId) await h.release(token, (r.body as { holdId: string }).holdId);
      }),
      runs(1000),
    );
  });

  test("purchase headers: 500 random Idempotency-Key, Authorization and X-Origin-Auth values", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.option(headerValue, { nil: undefined }),
        fc.oneof(fc.constant(`Bearer ${"x"}`), headerValue.map((v) => `Bearer ${v}`), headerValue, fc.constant(undefined as unknown as string)),
        fc.option(headerValue, { nil: undefined }),
        holdIdLike,
        async (key, authorization, originAuth, holdId) => {
          const headers: Record<string, string> = {};
          if (key !== undefined) headers["idempotency-key"] = key;
          if (authorization !== undefined) headers.authorization = authorization;
          if (originAuth !== undefined) headers["x-origin-auth"] = originAuth;
          const r = await probe("POST", `/api/events/${h.eventId}/holds/${holdId}/purchase`, undefined, headers);
          expect(r.status).toBeGreaterThanOrEqual(400);
        },
      ),
      runs(500),
    );
  });

  test("admin bodies (with the admin key): 600 random event and queue settings", async () => {
    const admin = { authorization: `Bearer ${h.config.adminKey}`, "content-type": "application/json" };
    const settings = fc.record(
      { rate: fc.oneof(fc.integer(), fc.double(), fc.constant(null), fc.string()), maxActive: fc.oneof(fc.integer(), fc.string()), sessionSeconds: fc.oneof(fc.integer(), fc.double()), claimSeconds: fc.integer(), adaptive: fc.oneof(fc.boolean(), fc.string()), maxWaiting: fc.oneof(fc.integer(), fc.constant(null)) },
      { requiredKeys: [] },
    );
    const eventBody = fc.record(
      {
        id: fc.oneof(fc.string({ maxLength: 70 }), fc.constant(h.eventId)),
        name: fc.string({ maxLength: 210 }),
        venue: fc.string(),
        startsAt: fc.oneof(fc.string(), fc.date({ noInvalidDate: true }).map((d) => d.toISOString())),
        perOrderLimit: fc.oneof(fc.integer({ min: -3, max: 30 }), fc.string()),
        holdSeconds: fc.oneof(fc.integer({ min: -3, max: 4000 }), fc.double()),
        sections: fc.oneof(fc.constant([]), fc.array(fc.record({ name: fc.string({ maxLength: 10 }), rows: fc.integer({ min: -1, max: 600 }), seatsPerRow: fc.integer({ min: -1, max: 600 }), tier: fc.string(), priceCents: fc.integer() }, { requiredKeys: [] }), { maxLength: 3 })),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.boolean(), eventBody, settings, fc.oneof(fc.constant(null), fc.string({ maxLength: 100 })), async (createEvent, event, patch, raw) => {
        if (createEvent) {
          const r = await probe("POST", "/admin/events", raw ?? JSON.stringify(event), admin);
          if (r.status < 300) h.createdEvents.push((r.body as { id: string }).id);
          else if (raw === null && typeof event.id === "string" && event.id !== h.eventId) {
            // a refused event left no row behind
            const [rows] = (await h.database.pool.query("SELECT COUNT(*) AS n FROM events WHERE id = ?", [event.id])) as unknown as [Array<{ n: number }>];
            expect(Number(rows[0]!.n)).toBe(0);
          }
        } else {
          await probe("PATCH", `/admin/events/${h.eventId}/queue`, raw ?? JSON.stringify(patch), admin);
        }
      }),
      runs(600),
    );
  });

  afterAll(() => {
    console.log(`fuzz: ${stats.requests} requests, ${stats.accepted} accepted, ${stats.refused} refused; statuses ${JSON.stringify(Object.fromEntries(stats.byStatus))}`);
  });
});
