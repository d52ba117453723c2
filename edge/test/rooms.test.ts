/**
 * One waiting room for several events and paths, through the production Worker in workerd,
 * the Upstash bridge, the real origin and MySQL: a covered event's page puts a fan in the
 * room's line; joins through the room and two covered events make one ordered line; the
 * room's token opens a covered event's /api and sale page and no other event's; overlapping
 * rooms are decided one way (own room, then the first cover, then the longest path); the
 * room's staff secret opens covered pages; the organiser sets covers through the edge; and the
 * admin API refuses covers that are not, changing nothing.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type Redis from "ioredis";
import { eventKeys } from "../../common/keys.ts";
import { startEdgeStack, type EdgeStack } from "../../test/kit/edge-stack.ts";
import { uniqueEventId } from "../../test/kit/event-ids.ts";
import type { AdminApi } from "../../test/kit/events.ts";
import { waitUntil } from "../../test/kit/wait.ts";
import type { WorkerdEdge } from "../../test/kit/workerd-edge.ts";

setDefaultTimeout(120_000);

let stack: EdgeStack;
let redis: Redis;
let edge: WorkerdEdge;
let admin: AdminApi;
let events: string[];

beforeAll(async () => {
  stack = await startEdgeStack({ vars: { TICK_MS: "200", JOIN_LIMIT_PER_MINUTE: "100000", RATE_LIMIT_TIMEOUT_MS: "20000", ROOM_ROUTES_FRESH_MS: "200", BYPASS_RULES_FRESH_MS: "200" } });
  ({ redis, edge, admin, events } = stack);
}, 120_000);

afterAll(() => stack?.stop());

const room = (label: string, maxActive: number) => stack.openEvent(label, { maxActive, rate: 50 });

async function plainEvent(label: string): Promise<string> {
  const eventId = uniqueEventId(label);
  events.push(eventId);
  await admin.createEvent({ id: eventId });
  return eventId;
}

async function cover(host: string, covers: { events: string[]; paths?: string[] }) {
  const res = await admin.call("PUT", `/admin/events/${host}/queue/covers`, covers);
  expect(res.status).toBe(200);
  return res.body;
}

const ipOf = (i: number) => `2001:db8:7::${(i + 1).toString(16)}`;

async function page(path: string, ip: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${edge.url}${path}`, { headers: { "cf-connecting-ip": ip, ...headers }, redirect: "manual" });
  return { status: res.status, text: await res.text(), setCookie: res.headers.get("set-cookie") ?? "" };
}

async function join(eventId: string, ip: string) {
  const res = await fetch(`${edge.url}/queue/${eventId}/join`, { method: "POST", headers: { "cf-connecting-ip": ip } });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function queued(eventId: string, ticket: string, action: "status" | "claim") {
  const res = await fetch(`${edge.url}/queue/${eventId}/${action}`, { method: action === "claim" ? "POST" : "GET", headers: { "x-queue-ticket": ticket, "cf-connecting-ip": "2001:db8:7:ffff::1" } });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function holdSeat(eventId: string, token: string, seatId: string) {
  const res = await fetch(`${edge.url}/api/events/${eventId}/holds`, {
    method: "POST",
    headers: { "content-type": "application/json", "cf-connecting-ip": "2001:db8:7:ffff::2", authorization: `Bearer ${token}` },
    body: JSON.stringify({ seatIds: [seatId] }),
  });
  return { status: res.status, type: res.headers.get("content-type") ?? "", body: (await res.json()) as Record<string, any> };
}

/** Which room's line a page put the fan in: the ticket cookie it set names the room. */
const lineOfPage = (setCookie: string) => /cu_q_([A-Za-z0-9_-]+)=/.exec(setCookie)?.[1] ?? null;

const SALE_PAGE = "Choose your seats";

/** The edge's copy of the table follows within ROOM_ROUTES_FRESH_MS: waits until a page of `path` is in `line`. */
async function pageInLine(path: string, line: string, ip: string) {
  let last = { status: 0, text: "", setCookie: "" };
  await waitUntil(`${path} is in ${line}'s line`, async () => lineOfPage((last = await page(path, ip)).setCookie) === line);
  return last;
}

describe("one waiting room for several events and paths", () => {
  test("a covered event's page puts the fan in the room's line, one place for the address they came by", async () => {
    const host = await room("rooms-host", 1);
    const night2 = await plainEvent("rooms-night2");
    const view = await cover(host, { events: [night2] });
    expect(view).toEqual({ eventId: host, events: [{ value: night2, room: host }], paths: [] });

    const first = await pageInLine(`/events/${night2}`, host, ipOf(1));
    expect(first.status).toBe(200);
    expect(first.text).toContain(`data-event-id="${host}"`);
    // the covered event has no line of its own: the room's took the place
    expect(await redis.exists(eventKeys(night2).seq)).toBe(0);
    expect(Number(await redis.get(eventKeys(host).seq))).toBeGreaterThanOrEqual(1);
    // the queue routes of the covered event are the room's too
    const joined = await join(night2, ipOf(2));
    expect(joined.status).toBe(201);
    expect(joined.body.eventId).toBe(host);
  });

  test("200 fans at once through the room and two covered events stand in one line, each with their own number", async () => {
    const host = await room("rooms-race", 1);
    const [a, b] = [await plainEvent("rooms-race-a"), await plainEvent("rooms-race-b")];
    await cover(host, { events: [a, b] });
    await waitUntil("the edge routes both covered events", async () => (await join(b, ipOf(999))).body.eventId === host);
    const through = [host, a, b];
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => join(through[i % 3]!, ipOf(1000 + i))));
    for (const r of results) expect(r.status).toBe(201);
    for (const r of results) expect(r.body.eventId).toBe(host);
    const numbers = results.map((r) => r.body.ticketNumber as number);
    expect(new Set(numbers).size).toBe(200);
    // one ordered line: the race's numbers come right after the probe's, 2..201
    expect(numbers.sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i + 2));
    expect(Number(await redis.get(eventKeys(host).seq))).toBe(201);
    expect(await redis.exists(eventKeys(a).seq, eventKeys(b).seq)).toBe(0);
  });

  test("the room's token holds seats of a covered event and opens its sale page; another event refuses it with JSON", async () => {
    const host = await room("rooms-token", 100);
    const night2 = await plainEvent("rooms-token-n2");
    const elsewhere = await plainEvent("rooms-token-x");
    const otherRoom = await room("rooms-token-other", 100);
    await cover(host, { events: [night2] });
    await waitUntil("the edge routes the covered event", async () => (await join(night2, ipOf(3000))).body.eventId === host);
    const fan = await join(night2, ipOf(3001));
    const ticket = fan.body.ticket as string;
    await waitUntil("the fan is admitted", async () => (await queued(night2, ticket, "status")).body.admitted === true);
    const claimed = await queued(night2, ticket, "claim");
    expect(claimed.status).toBe(200);
    const token = claimed.body.activeToken as string;
    expect(JSON.parse(atob(token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))).evt).toBe(host);

    // seats of the covered night, and of the room's own event
    const held = await holdSeat(night2, token, "A-1-1");
    expect(held.status).toBe(201);
    expect(held.body.eventId).toBe(night2);
    expect((await holdSeat(host, token, "A-1-1")).status).toBe(201);
    // the covered event's page is its sale page for the room's admitted fan
    const sale = await page(`/events/${night2}`, ipOf(3002), { cookie: `cu_act_${host}=${token}` });
    expect(sale.text).toContain(SALE_PAGE);
    expect(sale.text).toContain(`data-event-id="${night2}"`);

    // an event the room does not cover (with or without a room of its own) refuses the token
    for (const other of [elsewhere, otherRoom]) {
      const refused = await holdSeat(other, token, "A-1-1");
      expect(refused.status).toBe(401);
      expect(refused.type).toContain("application/json");
      expect(refused.body.code).toBe("NOT_ADMITTED");
    }
  });

  test("overlap: an event's own room wins, then the room that covered it first; a path goes to the longest prefix", async () => {
    const first = await room("rooms-first", 1);
    const second = await room("rooms-second", 1);
    const shared = await plainEvent("rooms-shared");
    const tour = await plainEvent("rooms-tour");
    await cover(first, { events: [shared], paths: [`/events/${tour}/presale`] });
    const later = await cover(second, { events: [shared], paths: [`/events/${tour}/presale/vip`] });
    // the second room is told the first one decides for the shared event
    expect(later.events).toEqual([{ value: shared, room: first }]);
    expect(later.paths).toEqual([{ value: `/events/${tour}/presale/vip`, room: second }]);

    await pageInLine(`/events/${shared}`, first, ipOf(4001));
    await pageInLine(`/events/${tour}/presale/vip/row-a`, second, ipOf(4002));
    await pageInLine(`/events/${tour}/presale/early`, first, ipOf(4003));
    // a path no room covers is no page
    expect((await page(`/events/${tour}/other`, ipOf(4004))).status).toBe(404);

    // the first room lets go: the second one decides
    await cover(first, { events: [] });
    await pageInLine(`/events/${shared}`, second, ipOf(4005));

    // the shared event gets a room of its own: it wins over every cover
    const opened = await admin.call("POST", `/admin/events/${shared}/queue`, { adaptive: false, opensAt: new Date(Date.now() - 1000).toISOString(), maxActive: 1, rate: 50 });
    expect(opened.status).toBe(201);
    await pageInLine(`/events/${shared}`, shared, ipOf(4006));
    expect((await admin.call("GET", `/admin/events/${second}/queue/covers`)).body.events).toEqual([{ value: shared, room: shared }]);
  });

  test("the organiser reads and sets what a room covers through the edge, as the dashboard does", async () => {
    const host = await room("rooms-edge", 1);
    const night2 = await plainEvent("rooms-edge-n2");
    const viaEdge = async (method: string, body?: unknown, key = process.env.ADMIN_KEY) => {
      const res = await fetch(`${edge.url}/admin/events/${host}/queue/covers`, {
        method,
        headers: { "cf-connecting-ip": "2001:db8:7:eeee::1", ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, cache: res.headers.get("cache-control"), body: (await res.json()) as Record<string, any> };
    };
    const set = await viaEdge("PUT", { events: [night2], paths: [`/events/${night2}/presale`] });
    expect(set.status).toBe(200);
    expect(set.cache).toBe("no-store");
    expect(set.body).toEqual({ eventId: host, events: [{ value: night2, room: host }], paths: [{ value: `/events/${night2}/presale`, room: host }] });
    expect((await viaEdge("GET")).body).toEqual(set.body);
    await pageInLine(`/events/${night2}`, host, ipOf(5001));
    // the origin's refusal reaches the organiser as it is; no key, no answer
    const refused = await viaEdge("PUT", { events: [host] });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe("INVALID_REQUEST");
    expect(refused.body.message).toContain("own event");
    expect((await viaEdge("GET", undefined, "")).status).toBe(401);
    expect((await viaEdge("DELETE")).status).toBe(405);
  });

  test("the room's staff secret opens a covered event's page and path as it opens the room's own, taking no place in line", async () => {
    const host = await room("rooms-staff", 1);
    const night2 = await plainEvent("rooms-staff-n2");
    const secret = "staff-secret-for-the-tour-box-office-01";
    const made = await admin.call("POST", `/admin/events/${host}/bypass-rules`, { kind: "header", label: "box office", secret });
    expect(made.status).toBe(201);
    await cover(host, { events: [night2], paths: [`/events/${night2}/presale`] });
    // a fan fills the room, the next one waits: the room is full when staff come
    await pageInLine(`/events/${night2}`, host, ipOf(6001));
    const waiting = await join(night2, ipOf(6002));
    expect(waiting.body.admitted).toBe(false);
    const seqBefore = await redis.get(eventKeys(host).seq);

    const staff = await page(`/events/${night2}`, ipOf(6003), { "x-concert-u-bypass": secret });
    expect(staff.status).toBe(200);
    expect(staff.text).toContain(SALE_PAGE);
    expect(staff.text).toContain(`data-event-id="${night2}"`);
    expect(staff.setCookie).toContain(`cu_act_${host}=`);
    // the session's token is the room's and holds the covered night's seats
    const token = /cu_act_[A-Za-z0-9_-]+=([^;]+)/.exec(staff.setCookie)![1]!;
    expect((await holdSeat(night2, token, "A-1-2")).status).toBe(201);
    // under a covered path: through to the origin with the session, never the room's line
    const path = await page(`/events/${night2}/presale/info`, ipOf(6004), { "x-concert-u-bypass": secret });
    expect(path.setCookie).toContain(`cu_act_${host}=`);
    expect(lineOfPage(path.setCookie)).toBeNull();

    // a wrong secret is a fan: the line; staff took no number
    const wrong = await page(`/events/${night2}`, ipOf(6005), { "x-concert-u-bypass": `${secret}-not` });
    expect(wrong.text).not.toContain(SALE_PAGE);
    expect(lineOfPage(wrong.setCookie)).toBe(host);
    expect(Number(await redis.get(eventKeys(host).seq))).toBe(Number(seqBefore) + 1);
    // both staff uses show on the room's dashboard list
    await waitUntil("both staff uses are counted", async () => (await admin.call("GET", `/admin/events/${host}/bypass-rules`)).body.rules[0].uses === 2);
  });

  test("covers that are not are refused with 400 JSON and change nothing", async () => {
    const host = await room("rooms-bad", 1);
    const night2 = await plainEvent("rooms-bad-n2");
    await cover(host, { events: [night2], paths: [`/events/${night2}/info`] });
    const before = (await admin.call("GET", `/admin/events/${host}/queue/covers`)).body;
    const bad: unknown[] = [
      { events: [host] },
      { events: ["no-such-event-rooms"] },
      { events: [night2, night2] },
      { events: ["bad id!"] },
      { events: [], paths: [`/events/${night2}/../admin`] },
      { events: [], paths: ["/api/events/x"] },
      { events: [], paths: [`/events/${night2}/`] },
      { events: [], paths: ["/events/a/x", "/events/a/x"] },
      { events: "all" },
      { events: [], extra: true },
      {},
    ];
    for (const body of bad) {
      const res = await admin.call("PUT", `/admin/events/${host}/queue/covers`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(typeof res.body.code).toBe("string");
      expect(typeof res.body.message).toBe("string");
    }
    expect((await admin.call("GET", `/admin/events/${host}/queue/covers`)).body).toEqual(before);
    // no waiting room: nothing to cover with
    const none = await admin.call("PUT", `/admin/events/${night2}/queue/covers`, { events: [] });
    expect(none.status).toBe(404);
    expect(none.body.code).toBe("QUEUE_NOT_FOUND");
  });
});
