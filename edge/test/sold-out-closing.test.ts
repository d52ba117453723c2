/**
 * Sold out by itself when the held seats cannot come back before the sale closes, through the
 * production Worker in workerd, the Upstash bridge, a real origin and its scheduler, MySQL and
 * Redis: the last free seats held past the organiser's `closesAt` make the sale sold out within
 * about a second, and the waiting fan's open stream is told; while the hold can still expire
 * before closing, the sale stays open.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { EventSource } from "eventsource";
import Redis from "ioredis";
import { fanIp, startEdgeStack, type EdgeStack } from "../../test/kit/edge-stack.ts";
import { uniqueEventId } from "../../test/kit/event-ids.ts";
import type { AdminApi } from "../../test/kit/events.ts";
import { waitUntil } from "../../test/kit/wait.ts";
import type { WorkerdEdge } from "../../test/kit/workerd-edge.ts";

setDefaultTimeout(120_000);

let stack: EdgeStack;
let redis: Redis;
let edge: WorkerdEdge;
let admin: AdminApi;
const sources: EventSource[] = [];

beforeAll(async () => {
  stack = await startEdgeStack({ originEnv: { ADMISSION_TICK_MS: "100" }, vars: { TICK_MS: "200", JOIN_LIMIT_PER_MINUTE: "100000", PRESENCE_GRACE_SECONDS: "30" } });
  ({ redis, edge, admin } = stack);
}, 120_000);

afterAll(async () => {
  for (const s of sources) s.close();
  await stack?.stop();
});

const ipOf = fanIp;

async function call(method: string, path: string, opts: { fan?: number; ticket?: string; token?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = { "cf-connecting-ip": ipOf(opts.fan ?? 0) };
  if (opts.ticket) headers["x-queue-ticket"] = opts.ticket;
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(edge.url + path, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
}

const queueStatus = async (eventId: string) => (await admin.call("GET", `/admin/events/${eventId}/queue`)).body?.status as string;

describe("sold out by itself when the held seats cannot come back before closing", () => {
  test("the last free seats held past closesAt: sold out within a second and the waiting fan's stream is told; a hold that expires before closing keeps the sale open", async () => {
    const eventId = uniqueEventId("closing");
    const holdSeconds = 300;
    await admin.createEventWithQueue(
      { id: eventId, holdSeconds, sections: [{ name: "A", rows: 1, seatsPerRow: 2, tier: "standard", priceCents: 5000 }] },
      { opensAt: new Date(Date.now() - 1000).toISOString(), maxActive: 1, closesAt: new Date(Date.now() + 2 * 3600_000).toISOString() },
    );

    // fan 1 is admitted and holds both seats; fan 2 waits behind, watching the stream
    const first = await call("POST", `/queue/${eventId}/join`, { fan: 1 });
    expect(first.status).toBe(201);
    await waitUntil("fan 1 admitted", async () => (await call("GET", `/queue/${eventId}/status`, { fan: 1, ticket: first.body.ticket })).body?.admitted === true);
    const claimed = await call("POST", `/queue/${eventId}/claim`, { fan: 1, ticket: first.body.ticket });
    expect(claimed.status).toBe(200);
    const held = await call("POST", `/api/events/${eventId}/holds/best-available`, { fan: 1, token: claimed.body.activeToken, body: { quantity: 2 } });
    expect(held.status).toBe(201);
    const second = await call("POST", `/queue/${eventId}/join`, { fan: 2 });
    expect(second.status).toBe(201);
    const withTicket: typeof fetch = ((input: RequestInfo | URL, init: RequestInit = {}) =>
      fetch(input, { ...init, headers: { ...(init.headers as Record<string, string>), "x-queue-ticket": second.body.ticket, "cf-connecting-ip": ipOf(2) } })) as typeof fetch;
    const source = new EventSource(`${edge.url}/queue/${eventId}/events`, { fetch: withTicket });
    sources.push(source);
    const told: Array<{ event: string; data: any; at: number }> = [];
    for (const name of ["position", "closed", "admitted"]) source.addEventListener(name, (e) => told.push({ event: name, data: JSON.parse((e as MessageEvent).data), at: Date.now() }));
    await waitUntil("fan 2's first position", async () => told.some((e) => e.event === "position"));
    // the standard client's frames carry the closing time the organiser set
    expect(Date.parse(told.find((e) => e.event === "position")!.data.closesAt)).toBeGreaterThan(Date.now() + 3600_000);

    // the hold expires (in 5 minutes) before the sale closes (in 2 hours): the seats may come back
    await Bun.sleep(3000);
    expect(await queueStatus(eventId)).toBe("open");
    expect(told.some((e) => e.event === "closed")).toBe(false);

    // the organiser moves the closing time before the hold's expiry: nothing can come back in time
    const changed = await admin.call("PATCH", `/admin/events/${eventId}/queue`, { closesAt: new Date(Date.now() + 60_000).toISOString() });
    expect(changed.status).toBe(200);
    expect(changed.body.settings.closesAt).not.toBeNull();
    const changedAt = Date.now();
    await waitUntil("sold out by itself", async () => (await queueStatus(eventId)) === "soldout", 5000, 50);
    const soldOutAfter = Date.now() - changedAt;
    await waitUntil("fan 2's stream told", async () => told.some((e) => e.event === "closed"), 5000, 50);
    console.log(`sold out ${soldOutAfter} ms after the closing time moved; the stream told ${told.find((e) => e.event === "closed")!.at - changedAt} ms after`);
    expect(soldOutAfter).toBeLessThan(1500);
    expect(told.find((e) => e.event === "closed")!.data).toMatchObject({ eventId, status: "soldout", code: "SOLD_OUT" });
    // not one seat was sold: they are held, past the closing time
    expect(await redis.scard(`cu:{${eventId}}:sold`)).toBe(0);
  });

  test("a waiting fan is shown the closing time, and told when at the present pace their turn would come after it", async () => {
    const eventId = uniqueEventId("closes-warn");
    const closesAt = new Date(Date.now() + 25_000);
    await admin.createEventWithQueue(
      { id: eventId, sections: [{ name: "A", rows: 1, seatsPerRow: 50, tier: "standard", priceCents: 5000 }] },
      { opensAt: new Date(Date.now() - 1000).toISOString(), rate: 1, maxActive: 1000, closesAt: closesAt.toISOString() },
    );
    const tickets: string[] = [];
    for (let i = 0; i < 30; i++) {
      const joined = await call("POST", `/queue/${eventId}/join`, { fan: 100 + i });
      expect(joined.status).toBe(201);
      expect(joined.body.closesAt).toBe(closesAt.toISOString());
      tickets.push(joined.body.ticket);
    }
    const status = async (i: number) => (await call("GET", `/queue/${eventId}/status`, { fan: 100 + i, ticket: tickets[i] })).body;
    // admissions at one a second give the wait its estimate
    await waitUntil("a wait estimate", async () => (await status(29)).waitTimeKnown === true, 15_000, 200);
    const far = await status(29);
    expect(far).toMatchObject({ closesAt: closesAt.toISOString(), turnAfterClosing: true });
    expect(Date.now() + far.waitTimeSeconds * 1000).toBeGreaterThan(closesAt.getTime());
    // a fan near the front is served well before it
    const near = (await Promise.all(tickets.map((_, i) => status(i)))).find((v) => v.inWaitingRoom && v.position <= 3);
    expect(near).toMatchObject({ closesAt: closesAt.toISOString(), turnAfterClosing: false });
    // the waiting page says both, in words
    const page = await fetch(`${edge.url}/events/${eventId}`, { headers: { "x-queue-ticket": tickets[29]!, "cf-connecting-ip": ipOf(129), "accept-language": "en" } });
    const html = await page.text();
    expect(html).toContain(`<time id="closes-at" datetime="${closesAt.toISOString()}">`);
    expect(html).toMatch(/<p id="closes-warning" class="notice">At the present pace your turn may come after the sale closes\.<\/p>/);
  });

  test("closesAt is refused unless it is a date-time or null", async () => {
    const eventId = await stack.openEvent("closes-bad");
    const res = await admin.call("PATCH", `/admin/events/${eventId}/queue`, { closesAt: "tomorrow" });
    expect(res).toMatchObject({ status: 400, body: { code: "INVALID_REQUEST" } });
    expect(res.body.message).toContain("closesAt");
    // nothing changed: the room has no closing time, and null clears one set before
    expect((await admin.call("GET", `/admin/events/${eventId}/queue`)).body.settings.closesAt).toBeNull();
    const at = new Date(Date.now() + 3600_000).toISOString();
    expect((await admin.call("PATCH", `/admin/events/${eventId}/queue`, { closesAt: at })).status).toBe(200);
    expect((await admin.call("GET", `/admin/events/${eventId}/queue`)).body.settings.closesAt).toBe(at);
    expect((await admin.call("PATCH", `/admin/events/${eventId}/queue`, { closesAt: null })).status).toBe(200);
    expect((await admin.call("GET", `/admin/events/${eventId}/queue`)).body.settings.closesAt).toBeNull();
  });
});
