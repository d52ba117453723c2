/**
 * Standby, "queue only when needed", through the production Worker in workerd (the
 * JoinBatcher bound), the Upstash bridge, the real origin and its scheduler, MySQL and
 * Redis: while traffic is under the organiser's thresholds a new fan goes straight to the
 * sale; the first one past a threshold starts the line, and the room lets fans straight
 * through again only after a calm period with nobody waiting. Traffic is driven from here,
 * one fan (one network) per join. Also the waiting page's queueing status code, and the
 * admin API refusing settings it cannot take.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type Redis from "ioredis";
import type mysql from "mysql2/promise";
import { eventKeys } from "../../common/keys.ts";
import type { TestBridge } from "../../test/kit/bridge.ts";
import { fanIp, startEdgeStack, type EdgeStack } from "../../test/kit/edge-stack.ts";
import { uniqueEventId } from "../../test/kit/event-ids.ts";
import type { AdminApi } from "../../test/kit/events.ts";
import type { OriginProcess } from "../../test/kit/origin-process.ts";
import type { WorkerdEdge } from "../../test/kit/workerd-edge.ts";

setDefaultTimeout(120_000);

let stack: EdgeStack;
let redis: Redis;
let pool: mysql.Pool;
let bridge: TestBridge;
let origin: OriginProcess;
let edge: WorkerdEdge;
let admin: AdminApi;
let events: string[];

beforeAll(async () => {
  stack = await startEdgeStack({ vars: { TICK_MS: "200", JOIN_LIMIT_PER_MINUTE: "100000", RATE_LIMIT_TIMEOUT_MS: "20000" } });
  ({ redis, pool, bridge, origin, edge, admin, events } = stack);
}, 120_000);

afterAll(() => stack?.stop());

const openEvent = (label: string, queue: Record<string, unknown>) => stack.openEvent(label, queue);
const ipOf = fanIp;

type Joined = { status: number; body: { ticket: string; ticketNumber: number; admitted: boolean } };

async function join(eventId: string, i: number): Promise<Joined> {
  const res = await fetch(`${edge.url}/queue/${eventId}/join`, { method: "POST", headers: { "cf-connecting-ip": ipOf(i) } });
  return { status: res.status, body: (await res.json()) as Joined["body"] };
}

async function claim(eventId: string, i: number, ticket: string) {
  const res = await fetch(`${edge.url}/queue/${eventId}/claim`, { method: "POST", headers: { "x-queue-ticket": ticket, "cf-connecting-ip": ipOf(i) } });
  return { status: res.status, body: (await res.json()) as { activeToken: string } };
}

const queueState = async (eventId: string) => (await admin.call("GET", `/admin/events/${eventId}/queue`)).body as { standbyMode: string | null; waiting: number; totals: { passed: number } };

/** Waits until the scheduler says the room lets fans straight through (or queues); answers how long it took. */
async function modeBecomes(eventId: string, mode: "passing" | "queueing", withinMs = 20_000): Promise<number> {
  const start = Date.now();
  while ((await queueState(eventId)).standbyMode !== mode) {
    if (Date.now() - start > withinMs) throw new Error(`standby never became ${mode}`);
    await Bun.sleep(50);
  }
  return Date.now() - start;
}

const api = (eventId: string, path: string, token: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) =>
  fetch(`${edge.url}/api/events/${eventId}${path}`, {
    method: init.method ?? "GET",
    headers: { authorization: `Bearer ${token}`, ...(init.body === undefined ? {} : { "content-type": "application/json" }), ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });

describe("standby: queue only when needed", () => {
  test("under the thresholds new fans go straight through, claim and buy; the fan past the threshold waits in line", async () => {
    const eventId = await openEvent("standby-pass", { standby: true, standbyNewPerMinute: 3, standbyActiveSessions: 100, rate: 0.2 });
    await modeBecomes(eventId, "passing");

    const passed = [await join(eventId, 0), await join(eventId, 1), await join(eventId, 2)];
    expect(passed.map((p) => [p.status, p.body.admitted, p.body.ticketNumber])).toEqual([
      [201, true, 1],
      [201, true, 2],
      [201, true, 3],
    ]);
    // the straight-through fan claims at once and buys a seat
    const claimed = await claim(eventId, 0, passed[0]!.body.ticket);
    expect(claimed.status).toBe(200);
    const hold = await api(eventId, "/holds", claimed.body.activeToken, { method: "POST", body: { seatIds: ["A-1-1"] } });
    expect(hold.status).toBe(201);
    const { holdId } = (await hold.json()) as { holdId: string };
    const bought = await api(eventId, `/holds/${holdId}/purchase`, claimed.body.activeToken, { method: "POST", body: { paymentMethod: "sim_approve" }, headers: { "idempotency-key": "standby-1" } });
    expect(bought.status).toBe(201);

    // the fourth new fan this minute passes the threshold: a place in line, and the room queues
    const fourth = await join(eventId, 3);
    expect([fourth.status, fourth.body.admitted, fourth.body.ticketNumber]).toEqual([201, false, 4]);
    expect(await redis.zscore(eventKeys(eventId).queue, JSON.parse(Buffer.from(fourth.body.ticket.split(".")[1]!, "base64url").toString()).tid)).toBe("4");
    expect((await queueState(eventId)).standbyMode).toBe("queueing");
    const fifth = await join(eventId, 4);
    expect([fifth.body.admitted, fifth.body.ticketNumber]).toEqual([false, 5]);
    expect((await queueState(eventId)).totals.passed).toBe(3);
  });

  test("a straight-through fan opening the waiting page is sent to the sale with an active session", async () => {
    const eventId = await openEvent("standby-page", { standby: true, standbyNewPerMinute: 100, standbyActiveSessions: 100 });
    await modeBecomes(eventId, "passing");
    const res = await fetch(`${edge.url}/events/${eventId}`, { headers: { "cf-connecting-ip": ipOf(0) }, redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/events/${eventId}`);
    const cookies = res.headers.getSetCookie().map((c) => c.split(";")[0]!);
    const sale = await fetch(`${edge.url}/events/${eventId}`, { headers: { "cf-connecting-ip": ipOf(0), cookie: cookies.filter((c) => !c.endsWith("=")).join("; ") } });
    expect(sale.status).toBe(200);
    expect(await sale.text()).not.toContain("You are in line");
    expect(await redis.zcard(eventKeys(eventId).active)).toBe(1);
  });

  test("past the active-sessions threshold fans queue; once the line is empty and both are calm for 5 s, fans pass again", async () => {
    const eventId = await openEvent("standby-calm", { standby: true, standbyNewPerMinute: 1000, standbyActiveSessions: 2, rate: 50 });
    await modeBecomes(eventId, "passing");
    const first = await join(eventId, 0);
    const second = await join(eventId, 1);
    expect([first.body.admitted, second.body.admitted]).toEqual([true, true]);
    const sessions = [(await claim(eventId, 0, first.body.ticket)).body.activeToken, (await claim(eventId, 1, second.body.ticket)).body.activeToken];
    // two sessions live: the third fan waits in line
    const third = await join(eventId, 2);
    expect([third.status, third.body.admitted, third.body.ticketNumber]).toEqual([201, false, 3]);
    expect((await queueState(eventId)).standbyMode).toBe("queueing");

    // both leave; the scheduler admits the third fan from the line
    for (const token of sessions) expect((await api(eventId, "/session", token, { method: "DELETE" })).status).toBe(200);
    let turn = await claim(eventId, 2, third.body.ticket);
    for (const until = Date.now() + 20_000; turn.status === 409 && Date.now() < until; await Bun.sleep(100)) turn = await claim(eventId, 2, third.body.ticket);
    expect(turn.status).toBe(200);
    // one session, an empty line: calm, but the room waits out the calm period before passing
    const emptyAt = Date.now();
    expect((await queueState(eventId)).waiting).toBe(0);
    expect((await queueState(eventId)).standbyMode).toBe("queueing");
    await modeBecomes(eventId, "passing");
    expect(Date.now() - emptyAt).toBeGreaterThanOrEqual(4000);
    const fourth = await join(eventId, 3);
    expect([fourth.body.admitted, fourth.body.ticketNumber]).toEqual([true, 4]);
  });

  test("300 concurrent new fans at the threshold: exactly the threshold go straight through, the rest queue in order behind them", async () => {
    const threshold = 20;
    const eventId = await openEvent("standby-race", { standby: true, standbyNewPerMinute: threshold, standbyActiveSessions: 100_000, rate: 0.1 });
    await modeBecomes(eventId, "passing");
    const replies = await Promise.all(Array.from({ length: 300 }, (_, i) => join(eventId, 1000 + i)));
    expect(replies.every((r) => r.status === 201)).toBe(true);
    const passed = replies.filter((r) => r.body.admitted).map((r) => r.body.ticketNumber).sort((a, b) => a - b);
    const queued = replies.filter((r) => !r.body.admitted).map((r) => r.body.ticketNumber).sort((a, b) => a - b);
    expect(passed.length).toBe(threshold);
    // every number handed out once, the passed ones before every queued one
    expect(passed).toEqual(Array.from({ length: threshold }, (_, i) => i + 1));
    expect(queued).toEqual(Array.from({ length: 300 - threshold }, (_, i) => threshold + i + 1));
    const k = eventKeys(eventId);
    expect(await redis.get(k.seq)).toBe("300");
    // the line holds the queued fans in their numbers' order, first in line the one right after the last passed
    const line = await redis.zrange(k.queue, 0, -1, "WITHSCORES");
    const scores = line.filter((_, i) => i % 2 === 1).map(Number);
    expect(scores).toEqual([...scores].sort((a, b) => a - b));
    expect(scores.length + Number(await redis.zcard(k.admitted))).toBeGreaterThanOrEqual(300 - threshold);
    expect(Number(await redis.get(k.serving))).toBeGreaterThanOrEqual(threshold);
    expect((await queueState(eventId)).standbyMode).toBe("queueing");
    expect((await queueState(eventId)).totals.passed).toBe(threshold);
  });

  test("the waiting page answers a queued fan with the organiser's queueing status code (202, then 429)", async () => {
    const eventId = await openEvent("standby-status", { queueingStatusCode: 202, rate: 0.1 });
    const page = (i: number) => fetch(`${edge.url}/events/${eventId}`, { headers: { "cf-connecting-ip": ipOf(i) }, redirect: "manual" });
    const first = await page(0);
    expect(first.status).toBe(202);
    expect(await first.text()).toContain("You are in line");
    expect((await admin.call("PATCH", `/admin/events/${eventId}/queue`, { queueingStatusCode: 429 })).status).toBe(200);
    let next = await page(1);
    for (let i = 2; next.status === 202 && i < 100; i++) {
      await Bun.sleep(100);
      next = await page(i);
    }
    expect(next.status).toBe(429);
    expect(await next.text()).toContain("You are in line");
    expect((await admin.call("GET", `/admin/events/${eventId}/queue`)).body.settings.queueingStatusCode).toBe(429);
  });

  test("the admin API refuses standby settings it cannot take with a 4xx JSON answer, and changes nothing", async () => {
    const eventId = await openEvent("standby-bad", {});
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ queueingStatusCode: 404 }, "INVALID_REQUEST"],
      [{ queueingStatusCode: "202" }, "INVALID_REQUEST"],
      [{ standby: "yes" }, "INVALID_REQUEST"],
      [{ standbyNewPerMinute: 0 }, "INVALID_REQUEST"],
      [{ standbyActiveSessions: -1 }, "INVALID_REQUEST"],
      [{ standbyNewPerMinute: 1.5 }, "INVALID_REQUEST"],
      [{ standby: true }, "STANDBY_THRESHOLDS_REQUIRED"],
      [{ standby: true, standbyNewPerMinute: 10 }, "STANDBY_THRESHOLDS_REQUIRED"],
    ];
    for (const [body, code] of bad) {
      const res = await admin.call("PATCH", `/admin/events/${eventId}/queue`, body);
      expect([res.status, res.body.code], JSON.stringify(body)).toEqual([400, code]);
      expect(typeof res.body.message).toBe("string");
    }
    const other = uniqueEventId("standby-bad-open");
    events.push(other);
    await admin.createEvent({ id: other });
    const opened = await admin.call("POST", `/admin/events/${other}/queue`, { standby: true, standbyActiveSessions: 5 });
    expect([opened.status, opened.body.code]).toEqual([400, "STANDBY_THRESHOLDS_REQUIRED"]);
    const view = (await admin.call("GET", `/admin/events/${eventId}/queue`)).body;
    expect(view.settings).toMatchObject({ standby: false, standbyNewPerMinute: null, standbyActiveSessions: null, queueingStatusCode: 200 });
    expect(view.standbyMode).toBeNull();
    // good values are taken, and turning standby on later needs no thresholds again
    expect((await admin.call("PATCH", `/admin/events/${eventId}/queue`, { standby: true, standbyNewPerMinute: 50, standbyActiveSessions: 10 })).status).toBe(200);
    expect((await admin.call("PATCH", `/admin/events/${eventId}/queue`, { standby: false })).status).toBe(200);
    const on = await admin.call("PATCH", `/admin/events/${eventId}/queue`, { standby: true });
    expect(on.status).toBe(200);
    expect(on.body.settings).toMatchObject({ standby: true, standbyNewPerMinute: 50, standbyActiveSessions: 10 });
  });
});
