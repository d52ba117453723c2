/**
 * The waiting list after sell-out, through the production Worker in workerd, the Upstash
 * bridge, a real origin and its scheduler, MySQL and Redis: seats a cancelled order gives
 * back reach the first fan on the list, who claims them with the ordinary claim and buys
 * them; an offer not taken in its claim window passes to the next fan; fans racing to join
 * get distinct places in order; the list outlives a Redis restart (a private redis-server);
 * bad input is refused with 4xx JSON.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import Redis from "ioredis";
import mysql from "mysql2/promise";
import { PrivateRedis } from "../../test/kit/private-redis.ts";
import { startBridge, type TestBridge } from "../../test/kit/bridge.ts";
import { uniqueEventId } from "../../test/kit/event-ids.ts";
import { adminApi, type AdminApi } from "../../test/kit/events.ts";
import { freePort } from "../../test/kit/free-port.ts";
import { obliterateEvent } from "../../test/kit/obliterate.ts";
import { startOrigin, type OriginProcess } from "../../test/kit/origin-process.ts";
import { waitUntil } from "../../test/kit/wait.ts";
import { startWorkerdEdge, type WorkerdEdge } from "../../test/kit/workerd-edge.ts";

setDefaultTimeout(120_000);

interface Stack {
  redis: Redis;
  bridge: TestBridge;
  origin: OriginProcess;
  edge: WorkerdEdge;
  admin: AdminApi;
}

let pool: mysql.Pool;
let shared: Stack | undefined;
const events: Array<[Redis, string]> = [];

async function startStack(redisUrl: string): Promise<Stack> {
  const bridge = await startBridge({ redisUrl });
  const origin = await startOrigin({ env: { REDIS_URL: redisUrl, ADMISSION_TICK_MS: "100" }, port: await freePort() });
  const edge = await startWorkerdEdge({ upstashUrl: bridge.url, originUrl: origin.url, vars: { TICK_MS: "200", JOIN_LIMIT_PER_MINUTE: "100000", RATE_LIMIT_TIMEOUT_MS: "20000" } });
  return { redis: new Redis(redisUrl), bridge, origin, edge, admin: adminApi(origin.url) };
}

async function stopStack(s: Stack | undefined): Promise<void> {
  await s?.edge.stop();
  await s?.origin.stop();
  await s?.bridge.stop();
  s?.redis.disconnect();
}

beforeAll(async () => {
  pool = mysql.createPool({ uri: process.env.DATABASE_URL ?? "mysql://root@127.0.0.1:3306/test", connectionLimit: 2 });
  shared = await startStack(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
}, 120_000);

afterAll(async () => {
  for (const [redis, eventId] of events) await obliterateEvent(redis, pool, eventId).catch(() => {});
  await stopStack(shared);
  await pool?.end();
});

/** A documentation-range IPv6 address per fan: every fan comes from its own network. */
const ipOf = (i: number) => `2001:db8::${(i + 1).toString(16)}`;

async function call(s: Stack, method: string, path: string, opts: { fan?: number; ticket?: string; token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { "cf-connecting-ip": ipOf(opts.fan ?? 0), ...(opts.headers ?? {}) };
  if (opts.ticket) headers["x-queue-ticket"] = opts.ticket;
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined || opts.raw !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(s.edge.url + path, { method, headers, body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)) });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
}

/** A sold-out hall of one row of `seats`, its claim window 5 s. */
async function openEvent(s: Stack, label: string, seats: number): Promise<string> {
  const eventId = uniqueEventId(label);
  events.push([s.redis, eventId]);
  await s.admin.createEventWithQueue({ id: eventId, sections: [{ name: "A", rows: 1, seatsPerRow: seats, tier: "standard", priceCents: 5000 }] }, { opensAt: new Date(Date.now() - 1000).toISOString(), claimSeconds: 5 });
  return eventId;
}

const queueStatus = async (s: Stack, eventId: string) => (await s.admin.call("GET", `/admin/events/${eventId}/queue`)).body?.status as string;

/** A fan joins the line, is admitted, claims, holds the best `quantity` seats and buys them; answers the order. */
async function buyThroughLine(s: Stack, eventId: string, fan: number, quantity: number) {
  const joined = await call(s, "POST", `/queue/${eventId}/join`, { fan });
  expect(joined.status).toBe(201);
  const ticket = joined.body.ticket as string;
  await waitUntil(`fan ${fan} admitted`, async () => (await call(s, "GET", `/queue/${eventId}/status`, { fan, ticket })).body?.admitted === true);
  const claimed = await call(s, "POST", `/queue/${eventId}/claim`, { fan, ticket });
  expect(claimed.status).toBe(200);
  const held = await call(s, "POST", `/api/events/${eventId}/holds/best-available`, { fan, token: claimed.body.activeToken, body: { quantity } });
  expect(held.status).toBe(201);
  return buy(s, eventId, fan, claimed.body.activeToken, held.body.holdId);
}

async function buy(s: Stack, eventId: string, fan: number, token: string, holdId: string) {
  const bought = await call(s, "POST", `/api/events/${eventId}/holds/${holdId}/purchase`, { fan, token, body: { paymentMethod: "sim_approve" }, headers: { "idempotency-key": `buy-${fan}-${holdId}` } });
  expect(bought.status).toBe(201);
  const order = bought.body as { orderId: string; seats: Array<{ seatId: string }> };
  return { orderId: order.orderId, seatIds: order.seats.map((x) => x.seatId) };
}

const joinList = (s: Stack, eventId: string, fan: number, body: unknown = { quantity: 2 }) => call(s, "POST", `/queue/${eventId}/waitlist`, { fan, body });
const where = (s: Stack, eventId: string, fan: number, ticket: string) => call(s, "GET", `/queue/${eventId}/waitlist`, { fan, ticket });

/** Joins once the leader opened the list on this Redis run (503 RESTORING until then). */
async function joinWhenOpen(s: Stack, eventId: string, fan: number, body: unknown = { quantity: 2 }) {
  let joined = await joinList(s, eventId, fan, body);
  const until = Date.now() + 20_000;
  while (joined.status === 503 && Date.now() < until) {
    await Bun.sleep(100);
    joined = await joinList(s, eventId, fan, body);
  }
  return joined;
}

async function stateBecomes(s: Stack, eventId: string, fan: number, ticket: string, state: string, withinMs = 30_000) {
  let last: any;
  await waitUntil(`fan ${fan}'s entry ${state}`, async () => (last = (await where(s, eventId, fan, ticket)).body)?.state === state, withinMs, 100);
  return last;
}

describe("the waiting list after sell-out", () => {
  test("a cancelled order's seats reach the first fan on the list, who claims and buys them; an untaken offer passes to the next after its window", async () => {
    const s = shared!;
    const eventId = await openEvent(s, "wl-flow", 2);
    const first = await buyThroughLine(s, eventId, 1, 2);
    await waitUntil("sold out by itself", async () => (await queueStatus(s, eventId)) === "soldout");

    // a fan arriving now is refused a place in line and pointed at the list
    const late = await call(s, "POST", `/queue/${eventId}/join`, { fan: 9 });
    expect(late.status).toBe(410);
    expect(late.body.waitlistUrl).toBe(`/queue/${eventId}/waitlist`);

    const a = await joinWhenOpen(s, eventId, 10, { quantity: 2, contact: "a@example.org" });
    const b = await joinList(s, eventId, 11, { quantity: 2, tier: "standard" });
    const c = await joinList(s, eventId, 12, { quantity: 2 });
    expect([a.status, b.status, c.status]).toEqual([201, 201, 201]);
    expect([a.body.place, b.body.place, c.body.place]).toEqual([1, 2, 3]);
    expect((await where(s, eventId, 11, b.body.ticket)).body).toMatchObject({ state: "waiting", position: 2, quantity: 2, tier: "standard" });

    // the organiser refunds the order: its seats go to the first fan on the list
    expect((await s.admin.call("POST", `/admin/orders/${first.orderId}/cancel`)).status).toBe(200);
    const offer = await stateBecomes(s, eventId, 10, a.body.ticket, "offered");
    expect(offer.seatIds.sort()).toEqual([...first.seatIds].sort());
    expect((await where(s, eventId, 11, b.body.ticket)).body).toMatchObject({ state: "waiting", position: 1 });
    const dash = await s.admin.call("GET", `/admin/events/${eventId}/waitlist`);
    expect(dash.body).toMatchObject({ waiting: 2, offers: 1 });

    // the first fan claims with the ordinary claim: a session that already holds the seats
    const claimed = await call(s, "POST", `/queue/${eventId}/claim`, { fan: 10, ticket: a.body.ticket });
    expect(claimed.status).toBe(200);
    const holds = await call(s, "GET", `/api/events/${eventId}/holds`, { fan: 10, token: claimed.body.activeToken });
    expect(holds.body.holds).toHaveLength(1);
    expect(holds.body.holds[0].seatIds.sort()).toEqual([...first.seatIds].sort());
    const second = await buy(s, eventId, 10, claimed.body.activeToken, holds.body.holds[0].holdId);
    expect(second.seatIds.sort()).toEqual([...first.seatIds].sort());
    await stateBecomes(s, eventId, 10, a.body.ticket, "claimed");

    // refunded again: the next fan is offered the seats, lets the window pass, and the offer moves on
    expect((await s.admin.call("POST", `/admin/orders/${second.orderId}/cancel`)).status).toBe(200);
    await stateBecomes(s, eventId, 11, b.body.ticket, "offered");
    await stateBecomes(s, eventId, 11, b.body.ticket, "passed", 20_000);
    const late11 = await call(s, "POST", `/queue/${eventId}/claim`, { fan: 11, ticket: b.body.ticket });
    expect(late11.status).toBeGreaterThanOrEqual(400);
    const third = await stateBecomes(s, eventId, 12, c.body.ticket, "offered");
    expect(third.seatIds.sort()).toEqual([...first.seatIds].sort());

    // MySQL has what became of every entry (the leader writes it just after Redis)
    const statuses = async () => ((await pool.query("SELECT place, status FROM waitlist_entries WHERE event_id = ? ORDER BY place", [eventId])) as unknown as [Array<{ status: string }>])[0].map((r) => r.status);
    await waitUntil("every entry's fate in MySQL", async () => (await statuses()).join() === "claimed,passed,offered");
    expect(await statuses()).toEqual(["claimed", "passed", "offered"]);
    // never one seat sold twice
    const [sold] = (await pool.query("SELECT seat_id FROM reservations WHERE event_id = ?", [eventId])) as [Array<{ seat_id: string }>, unknown];
    expect(new Set(sold.map((r) => r.seat_id)).size).toBe(sold.length);
  });

  test("100 fans racing to join the list get distinct places, in the order they were placed, each kept in MySQL", async () => {
    const s = shared!;
    const eventId = await openEvent(s, "wl-race", 2);
    expect((await s.admin.call("POST", `/admin/events/${eventId}/queue/close`, { reason: "soldout" })).status).toBe(200);
    expect((await joinWhenOpen(s, eventId, 500, { quantity: 1 })).status).toBe(201);
    const joins = await Promise.all(Array.from({ length: 100 }, (_, i) => joinList(s, eventId, 1000 + i, { quantity: 1 })));
    expect(joins.map((j) => j.status).every((st) => st === 201)).toBe(true);
    const places = joins.map((j) => j.body.place as number);
    expect(new Set(places).size).toBe(100);
    expect([...places].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i + 2));
    // position follows place: the list is in the order the places were given
    for (const j of joins) expect(j.body.position).toBeLessThanOrEqual(j.body.place);
    // a page near the head asks again every 2 s, one further back every 10 s
    const byPlace = [...joins].sort((x, y) => x.body.place - y.body.place);
    const near = await call(s, "GET", `/queue/${eventId}/waitlist`, { fan: 2000, ticket: byPlace[0]!.body.ticket });
    const far = await call(s, "GET", `/queue/${eventId}/waitlist`, { fan: 2001, ticket: byPlace[50]!.body.ticket });
    // (the head may be offered seats by now: an open offer is followed as closely)
    expect(near.body.refreshIntervalSeconds).toBe(2);
    if (near.body.state === "waiting") expect(near.body.position).toBeLessThanOrEqual(20);
    else expect(near.body.state).toBe("offered");
    expect(far.body).toMatchObject({ state: "waiting", refreshIntervalSeconds: 10 });
    expect(far.body.position).toBeGreaterThan(20);
    const again = await joinList(s, eventId, 1000, { quantity: 1 });
    expect(again.status).toBe(201);
    const same = await call(s, "POST", `/queue/${eventId}/waitlist`, { fan: 1000, ticket: joins[0]!.body.ticket, body: { quantity: 1 } });
    expect(same.status).toBe(200);
    expect(same.body.place).toBe(joins[0]!.body.place);
    await waitUntil("every entry in MySQL", async () => {
      const [rows] = (await pool.query("SELECT COUNT(*) AS n FROM waitlist_entries WHERE event_id = ?", [eventId])) as [Array<{ n: number }>, unknown];
      return Number(rows[0]!.n) === 102;
    });
  });

  test("bad input is refused with 4xx JSON, and the list is closed while the line is open", async () => {
    const s = shared!;
    const eventId = await openEvent(s, "wl-bad", 2);
    const bad: Array<[unknown, string?]> = [
      [{}],
      [{ quantity: 0 }],
      [{ quantity: 21 }],
      [{ quantity: "2" }],
      [{ quantity: 1.5 }],
      [{ quantity: 2, tier: "" }],
      [{ quantity: 2, tier: "<b>" }],
      [{ quantity: 2, contact: "a|b" }],
      [{ quantity: 2, contact: "x".repeat(201) }],
      [{ quantity: 2, extra: true }],
      [[2]],
      [null, "not json"],
    ];
    for (const [body, raw] of bad) {
      const res = await call(s, "POST", `/queue/${eventId}/waitlist`, raw ? { raw } : { body });
      expect(res.status, JSON.stringify(body ?? raw)).toBe(400);
      expect(res.body.code).toBe("INVALID_BODY");
    }
    expect((await call(s, "PUT", `/queue/${eventId}/waitlist`)).status).toBe(405);
    expect((await call(s, "GET", `/queue/${eventId}/waitlist`)).status).toBe(401);
    expect((await call(s, "POST", `/queue/bad id/waitlist`, { body: { quantity: 1 } })).status).toBe(404);
    const notYet = await joinWhenOpen(s, eventId, 1, { quantity: 2 });
    expect(notYet.status).toBe(409);
    expect(notYet.body.code).toBe("WAITLIST_NOT_OPEN");
    expect((await s.admin.call("POST", `/admin/events/${eventId}/queue/close`, { reason: "soldout" })).status).toBe(200);
    const tooMany = await joinList(s, eventId, 2, { quantity: 5 });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.code).toBe("TOO_MANY_SEATS");
  });
});

describe("the waiting list and a Redis restart", () => {
  let privateRedis: PrivateRedis;
  let stack: Stack;
  beforeAll(async () => {
    // one origin per database: the shared stack's scheduler would drive this stack's rooms on its own Redis
    for (const [redis, eventId] of events.splice(0)) await obliterateEvent(redis, pool, eventId).catch(() => {});
    await stopStack(shared);
    shared = undefined;
    privateRedis = await PrivateRedis.start();
    stack = await startStack(privateRedis.url);
  }, 120_000);
  afterAll(async () => {
    for (const [redis, eventId] of events.splice(0)) await obliterateEvent(redis, pool, eventId).catch(() => {});
    await stopStack(stack);
    await privateRedis?.kill();
  });

  test("entries survive Redis restarting empty: each fan is at their own place again, and new fans come after them", async () => {
    const s = stack;
    const eventId = await openEvent(s, "wl-restart", 2);
    expect((await s.admin.call("POST", `/admin/events/${eventId}/queue/close`, { reason: "soldout" })).status).toBe(200);
    const fans = [];
    for (let i = 0; i < 5; i++) fans.push((await joinWhenOpen(s, eventId, 20 + i, { quantity: 1 + (i % 2) })).body);
    expect(fans.map((f) => f.place)).toEqual([1, 2, 3, 4, 5]);
    await waitUntil("the entries in MySQL", async () => {
      const [rows] = (await pool.query("SELECT COUNT(*) AS n FROM waitlist_entries WHERE event_id = ?", [eventId])) as [Array<{ n: number }>, unknown];
      return Number(rows[0]!.n) === 5;
    });

    await privateRedis.restart();
    expect(await s.redis.exists(`cu:{${eventId}}:wl`).catch(() => 0)).toBe(0);
    // the hall's two seats are free, so the first entries are offered them again as soon as the list is back
    for (const [i, f] of fans.entries()) {
      let back: any;
      await waitUntil(`fan ${20 + i} back on the list`, async () => (back = (await where(s, eventId, 20 + i, f.ticket)).body)?.place === i + 1);
      expect(back).toMatchObject({ place: i + 1, quantity: 1 + (i % 2) });
      expect(["waiting", "offered"]).toContain(back.state);
    }
    const next = await joinWhenOpen(s, eventId, 40, { quantity: 1 });
    expect(next.status).toBe(201);
    expect(next.body.place).toBe(6);
  });
});
