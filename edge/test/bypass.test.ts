/**
 * Bypass rules for staff and monitoring, through the production Worker in workerd (Miniflare,
 * the JoinBatcher bound), the Upstash bridge, the real origin and MySQL: a staff secret or an
 * IP range gets a session at once while fans wait in a full room, a wrong secret gets exactly
 * the line, a path rule opens its paths and never /api, a disabled rule does nothing, a
 * hundred staff at once take no fan's number or slot, and the admin API refuses what is not
 * a rule.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type Redis from "ioredis";
import type mysql from "mysql2/promise";
import { bypassSecretHash } from "../../common/bypass.ts";
import { eventKeys } from "../../common/keys.ts";
import type { TestBridge } from "../../test/kit/bridge.ts";
import { fanIp, startEdgeStack, type EdgeStack } from "../../test/kit/edge-stack.ts";
import type { AdminApi } from "../../test/kit/events.ts";
import type { OriginProcess } from "../../test/kit/origin-process.ts";
import { waitUntil } from "../../test/kit/wait.ts";
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
  stack = await startEdgeStack({ vars: { TICK_MS: "200", JOIN_LIMIT_PER_MINUTE: "100000", RATE_LIMIT_TIMEOUT_MS: "20000", BYPASS_RULES_FRESH_MS: "500" } });
  ({ redis, pool, bridge, origin, edge, admin, events } = stack);
}, 120_000);

afterAll(() => stack?.stop());

/** A room that admits `maxActive` fans at once (1: the first fan fills it, everyone after waits). */
const openEvent = (label: string, maxActive = 1) => stack.openEvent(label, { maxActive, rate: 50 });

async function createRule(eventId: string, body: Record<string, unknown>): Promise<{ rule: Record<string, any>; secret?: string }> {
  const res = await admin.call("POST", `/admin/events/${eventId}/bypass-rules`, body);
  expect(res.status).toBe(201);
  return res.body;
}

const ipOf = fanIp;

async function join(eventId: string, ip: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${edge.url}/queue/${eventId}/join`, { method: "POST", headers: { "cf-connecting-ip": ip, ...headers } });
  return { status: res.status, body: (await res.json()) as Record<string, any>, setCookie: res.headers.get("set-cookie") };
}

async function page(eventId: string, ip: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${edge.url}/events/${eventId}`, { headers: { "cf-connecting-ip": ip, ...headers }, redirect: "manual" });
  return { status: res.status, text: await res.text(), setCookie: res.headers.get("set-cookie") };
}

async function statusOf(eventId: string, ticket: string) {
  const res = await fetch(`${edge.url}/queue/${eventId}/status`, { headers: { "x-queue-ticket": ticket, "cf-connecting-ip": "2001:db8:ffff::1" } });
  return (await res.json()) as Record<string, any>;
}

async function holdSeat(eventId: string, token: string | null, seatId: string) {
  const res = await fetch(`${edge.url}/api/events/${eventId}/holds`, {
    method: "POST",
    headers: { "content-type": "application/json", "cf-connecting-ip": "2001:db8:ffff::2", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ seatIds: [seatId] }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

/** Fills the room: the first fan is admitted (the one slot), the next ones wait. */
async function fillRoom(eventId: string, fans: number): Promise<Array<Record<string, any>>> {
  const joined = [];
  for (let i = 0; i < fans; i++) joined.push((await join(eventId, ipOf(i))).body);
  await waitUntil("the first fan is admitted", async () => (await statusOf(eventId, joined[0]!.ticket)).admitted === true);
  return joined;
}

const SALE_PAGE = "Choose your seats";
const SECRET = "staff-secret-for-the-box-office-0001";

async function uses(eventId: string, ruleId: string): Promise<number> {
  const res = await admin.call("GET", `/admin/events/${eventId}/bypass-rules`);
  return res.body.rules.find((r: { id: string }) => r.id === ruleId)?.uses ?? -1;
}

describe("bypass rules for staff and monitoring, through the Worker in workerd", () => {
  test("staff with the secret go straight to the sale while the room is full and fans wait; the session holds seats like a fan's", async () => {
    const eventId = await openEvent("bypass-staff");
    const { rule } = await createRule(eventId, { kind: "header", label: "box office", secret: SECRET });
    await fillRoom(eventId, 3);
    const fan = await join(eventId, ipOf(10));
    expect(fan.status).toBe(201);
    expect(fan.body.admitted).toBe(false);
    expect(fan.body.ticketNumber).toBe(4);

    const staff = await join(eventId, ipOf(11), { "x-concert-u-bypass": SECRET });
    expect(staff.status).toBe(200);
    expect(staff.body).toMatchObject({ eventId, staff: true, admitted: true, redirect: `/events/${eventId}` });
    expect(staff.body.ticketNumber).toBeUndefined();
    expect(staff.setCookie).toContain(`cu_act_${eventId}=`);
    // the active token opens /api at once: seats held as by an admitted fan
    const held = await holdSeat(eventId, staff.body.activeToken, "A-1-1");
    expect(held.status).toBe(201);

    // the page: the sale page at once, with the session's cookie
    const staffPage = await page(eventId, ipOf(12), { "x-concert-u-bypass": SECRET });
    expect(staffPage.status).toBe(200);
    expect(staffPage.text).toContain(SALE_PAGE);
    expect(staffPage.setCookie).toContain(`cu_act_${eventId}=`);
    const fanPage = await page(eventId, ipOf(13));
    expect(fanPage.text).not.toContain(SALE_PAGE);

    // no number was taken by staff; the uses show on the dashboard's list
    expect(await redis.get(eventKeys(eventId).seq)).toBe("5");
    await waitUntil("the rule's uses are counted", async () => (await uses(eventId, rule.id)) === 2);
  });

  test("a wrong secret gets the line, answered exactly as a request with no secret", async () => {
    const eventId = await openEvent("bypass-wrong");
    await createRule(eventId, { kind: "header", label: "box office", secret: SECRET });
    await fillRoom(eventId, 1);
    const plain = await join(eventId, ipOf(1));
    for (const wrong of [`${SECRET}x`, SECRET.slice(0, -1), "short", "", SECRET.toUpperCase()]) {
      const tried = await join(eventId, ipOf(2), { "x-concert-u-bypass": wrong });
      expect(tried.status).toBe(plain.status);
      expect(Object.keys(tried.body).sort()).toEqual(Object.keys(plain.body).sort());
      expect(tried.body.admitted).toBe(false);
      expect(tried.body.staff).toBeUndefined();
      const p = await page(eventId, ipOf(3), { "x-concert-u-bypass": wrong });
      expect(p.status).toBe(200);
      expect(p.text).not.toContain(SALE_PAGE);
    }
    // the wrong secrets took places in line like anyone's
    expect(Number(await redis.get(eventKeys(eventId).seq))).toBe(2 + 10);
  });

  test("a request from an IP in the range passes, one outside it queues; one session per address", async () => {
    const eventId = await openEvent("bypass-ip");
    const { rule } = await createRule(eventId, { kind: "ip", label: "uptime monitor", cidr: "198.51.100.17/28" });
    expect(rule.cidr).toBe("198.51.100.16/28");
    const v6 = await createRule(eventId, { kind: "ip", label: "monitor v6", cidr: "2001:db8:abcd::/48" });
    await fillRoom(eventId, 1);

    const inside = await join(eventId, "198.51.100.20");
    expect(inside.status).toBe(200);
    expect(inside.body.staff).toBe(true);
    const again = await join(eventId, "198.51.100.20");
    expect(again.body.sessionId).toBe(inside.body.sessionId);
    expect((await join(eventId, "2001:db8:abcd:1::9")).body.staff).toBe(true);
    expect((await page(eventId, "198.51.100.31")).text).toContain(SALE_PAGE);

    for (const outside of ["198.51.100.32", "198.51.100.15", "2001:db8:abce::1"]) {
      const queued = await join(eventId, outside);
      expect(queued.status).toBe(201);
      expect(queued.body.admitted).toBe(false);
      expect(queued.body.staff).toBeUndefined();
    }
    expect(await redis.zcard(eventKeys(eventId).staff)).toBe(3);
    await waitUntil("uses counted", async () => (await uses(eventId, rule.id)) === 3 && (await uses(eventId, v6.rule.id)) === 1);
  });

  test("a path rule lets its paths through without a ticket, never the page itself nor /api seat holds", async () => {
    const eventId = await openEvent("bypass-path");
    const before = await fetch(`${edge.url}/events/${eventId}/info/hall`, { headers: { "cf-connecting-ip": ipOf(0) } });
    expect(before.status).toBe(404);
    expect(((await before.json()) as { message: string }).message).toBe("No such page.");
    expect(before.headers.get("x-request-id")).toBeNull();

    const { rule } = await createRule(eventId, { kind: "path", label: "info pages", path: `/events/${eventId}/info` });
    await fillRoom(eventId, 1);
    // forwarded to the origin (its answer, its request id), with no ticket and nothing taken in line
    const seq = await redis.get(eventKeys(eventId).seq);
    await waitUntil("the path reaches the origin", async () => {
      const res = await fetch(`${edge.url}/events/${eventId}/info/hall`, { headers: { "cf-connecting-ip": ipOf(1) } });
      await res.body?.cancel();
      return res.headers.get("x-request-id") !== null;
    });
    const passed = await fetch(`${edge.url}/events/${eventId}/info`, { method: "HEAD", headers: { "cf-connecting-ip": ipOf(2) } });
    expect(passed.headers.get("x-request-id")).not.toBeNull();
    expect(passed.headers.get("set-cookie")).toBeNull();
    // not a prefix of a longer name, not another method
    const sibling = await fetch(`${edge.url}/events/${eventId}/infox`, { headers: { "cf-connecting-ip": ipOf(3) } });
    expect(sibling.headers.get("x-request-id")).toBeNull();
    expect((await fetch(`${edge.url}/events/${eventId}/info/hall`, { method: "POST", headers: { "cf-connecting-ip": ipOf(3) } })).status).toBe(405);
    expect(await redis.get(eventKeys(eventId).seq)).toBe(seq);

    // /api seat holds still need an active token
    const hold = await holdSeat(eventId, null, "A-1-2");
    expect(hold.status).toBe(401);
    expect(hold.body.code).toBe("NOT_ADMITTED");
    // a path rule can name nothing outside /events/<eventId>/
    for (const path of [`/api/events/${eventId}/holds`, `/events/${eventId}`, `/events/${eventId}/`, `/events/other/info`, `/events/${eventId}/../x`, `/queue/${eventId}/join`]) {
      const res = await admin.call("POST", `/admin/events/${eventId}/bypass-rules`, { kind: "path", label: "no", path });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe("INVALID_REQUEST");
    }
    await waitUntil("uses counted", async () => (await uses(eventId, rule.id)) >= 2);
  });

  test("a disabled rule does nothing; switched on it passes; removed, it stops", async () => {
    const eventId = await openEvent("bypass-disabled");
    const { rule } = await createRule(eventId, { kind: "header", label: "box office", secret: SECRET, enabled: false });
    await createRule(eventId, { kind: "ip", label: "monitor", cidr: "203.0.113.0/24", enabled: false });
    await fillRoom(eventId, 1);
    expect((await join(eventId, ipOf(1), { "x-concert-u-bypass": SECRET })).body.admitted).toBe(false);
    expect((await join(eventId, "203.0.113.5")).body.admitted).toBe(false);
    expect(await uses(eventId, rule.id)).toBe(0);

    const on = await admin.call("PATCH", `/admin/events/${eventId}/bypass-rules/${rule.id}`, { enabled: true });
    expect(on.status).toBe(200);
    expect(on.body.enabled).toBe(true);
    // the edge's copy follows within its few seconds
    await waitUntil("the switched-on rule passes", async () => (await join(eventId, ipOf(2), { "x-concert-u-bypass": SECRET })).body.staff === true, 30_000, 500);

    const removed = await admin.call("DELETE", `/admin/events/${eventId}/bypass-rules/${rule.id}`);
    expect(removed.status).toBe(200);
    await waitUntil("the removed rule stops", async () => (await join(eventId, ipOf(3), { "x-concert-u-bypass": SECRET })).body.admitted === false, 30_000, 500);
    expect((await admin.call("GET", `/admin/events/${eventId}/bypass-rules`)).body.rules.map((r: { kind: string }) => r.kind)).toEqual(["ip"]);
  });

  test("100 concurrent staff requests all pass, take no fan's number and no fan's slot", async () => {
    const eventId = await openEvent("bypass-crowd", 2);
    const { rule } = await createRule(eventId, { kind: "header", label: "crew", secret: SECRET });
    const first = await join(eventId, ipOf(0));
    expect(first.body.ticketNumber).toBe(1);
    const staff = await Promise.all(Array.from({ length: 100 }, (_, i) => join(eventId, ipOf(100 + i), { "x-concert-u-bypass": SECRET })));
    expect(staff.map((s) => s.status)).toEqual(Array(100).fill(200));
    expect(new Set(staff.map((s) => s.body.sessionId)).size).toBe(100);
    const fans = [first.body, (await join(eventId, ipOf(1))).body, (await join(eventId, ipOf(2))).body];
    expect(fans.map((f) => f.ticketNumber)).toEqual([1, 2, 3]);
    expect(await redis.get(eventKeys(eventId).seq)).toBe("3");
    expect(await redis.zcard(eventKeys(eventId).staff)).toBe(100);
    // 100 live staff sessions, maxActive 2: the first two fans are still let in, the third waits
    await waitUntil("two fans admitted", async () => (await statusOf(eventId, fans[1]!.ticket)).admitted === true && (await statusOf(eventId, fans[0]!.ticket)).admitted === true);
    expect((await statusOf(eventId, fans[2]!.ticket)).admitted).toBe(false);
    // every staff session holds its own seat
    const holds = await Promise.all(staff.slice(0, 10).map((s, i) => holdSeat(eventId, s.body.activeToken, `A-2-${i + 1}`)));
    expect(holds.map((h) => h.status)).toEqual(Array(10).fill(201));
    await waitUntil("uses counted", async () => (await uses(eventId, rule.id)) === 100);
  });

  test("the admin API keeps only the secret's hash, shows a generated one once, and refuses what is not a rule", async () => {
    const eventId = await openEvent("bypass-admin");
    const generated = await createRule(eventId, { kind: "header", label: "generated" });
    expect(generated.secret).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const listed = await admin.call("GET", `/admin/events/${eventId}/bypass-rules`);
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).not.toContain(generated.secret!);
    const [[stored]] = (await pool.query("SELECT value FROM bypass_rules WHERE id = ?", [generated.rule.id])) as unknown as [Array<{ value: string }>];
    expect(stored!.value).toBe(await bypassSecretHash(eventId, generated.secret!));
    expect(await redis.get(eventKeys(eventId).bypassRules)).not.toContain(generated.secret!);

    const bad: Array<[Record<string, unknown>, number, string]> = [
      [{ kind: "ip", label: "x", cidr: "300.1.2.3/24" }, 400, "INVALID_REQUEST"],
      [{ kind: "ip", label: "x", cidr: "10.0.0.0/33" }, 400, "INVALID_REQUEST"],
      [{ kind: "ip", label: "x", cidr: "2001:db8::/129" }, 400, "INVALID_REQUEST"],
      [{ kind: "ip", label: "x", cidr: "not-a-range" }, 400, "INVALID_REQUEST"],
      [{ kind: "ip", label: "x" }, 400, "INVALID_REQUEST"],
      [{ kind: "header", label: "x", secret: "" }, 400, "INVALID_REQUEST"],
      [{ kind: "header", label: "x", secret: "too-short" }, 400, "INVALID_REQUEST"],
      [{ kind: "header", label: "x", secret: "has a space in it, sixteen+" }, 400, "INVALID_REQUEST"],
      [{ kind: "header", label: "", secret: SECRET }, 400, "INVALID_REQUEST"],
      [{ kind: "vip", label: "x" }, 400, "INVALID_REQUEST"],
      [{ kind: "path", label: "x", path: `/events/${eventId}/a`, cidr: "10.0.0.0/8" }, 400, "INVALID_REQUEST"],
    ];
    for (const [body, status, code] of bad) {
      const res = await admin.call("POST", `/admin/events/${eventId}/bypass-rules`, body);
      expect([JSON.stringify(body), res.status, res.body.code]).toEqual([JSON.stringify(body), status, code]);
      expect(typeof res.body.message).toBe("string");
    }
    await createRule(eventId, { kind: "ip", label: "monitor", cidr: "192.0.2.0/24" });
    const twice = await admin.call("POST", `/admin/events/${eventId}/bypass-rules`, { kind: "ip", label: "again", cidr: "192.0.2.9/24" });
    expect([twice.status, twice.body.code]).toEqual([409, "BYPASS_RULE_EXISTS"]);
    const missing = await admin.call("PATCH", `/admin/events/${eventId}/bypass-rules/br_nope`, { enabled: false });
    expect([missing.status, missing.body.code]).toEqual([404, "BYPASS_RULE_NOT_FOUND"]);
    const badPatch = await admin.call("PATCH", `/admin/events/${eventId}/bypass-rules/${generated.rule.id}`, { secret: SECRET });
    expect(badPatch.status).toBe(400);
    // through the edge, with the admin key, as the dashboard calls it
    const viaEdge = await fetch(`${edge.url}/admin/events/${eventId}/bypass-rules`, { headers: { authorization: `Bearer ${process.env.ADMIN_KEY}`, "cf-connecting-ip": ipOf(0) } });
    expect(viaEdge.status).toBe(200);
    expect(((await viaEdge.json()) as { rules: unknown[] }).rules).toHaveLength(2);
  });
});
