/**
 * Accessible timing for the claim window (WCAG 2.2.1), through the production Worker in
 * workerd, the Upstash bridge and real Redis: an admitted fan who needs more time asks once
 * (POST /queue/:eventId/extend) and the claim deadline moves by the event's
 * extensionSeconds; a crowd asking at once gets exactly what the event's budget holds; a
 * turn that was extended can still be claimed after its first deadline; every refusal is
 * a clear 4xx JSON.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { eventKeys } from "../../common/keys.ts";
import { startBridge, type TestBridge } from "../../test/kit/bridge.ts";
import { uniqueEventId } from "../../test/kit/event-ids.ts";
import { waitUntil } from "../../test/kit/wait.ts";
import { startWorkerdEdge, type WorkerdEdge } from "../../test/kit/workerd-edge.ts";
import { admitHead, dropEvent, openQueue, redis } from "./helpers/redis.ts";

setDefaultTimeout(60_000);

let bridge: TestBridge;
let edge: WorkerdEdge;
const events: string[] = [];

beforeAll(async () => {
  bridge = await startBridge();
  edge = await startWorkerdEdge({ upstashUrl: bridge.url, vars: { JOIN_LIMIT_PER_MINUTE: "100000", TICKET_LIMIT_PER_MINUTE: "100000", RATE_LIMIT_TIMEOUT_MS: "20000" } });
}, 120_000);

afterAll(async () => {
  await edge?.stop();
  for (const eventId of events) await dropEvent(eventId).catch(() => {});
  await bridge?.stop();
});

async function freshEvent(label: string, fields: Record<string, string | number> = {}): Promise<string> {
  const eventId = uniqueEventId(label);
  events.push(eventId);
  await openQueue(eventId, fields);
  return eventId;
}

/** A documentation-range IPv6 address per fan: every fan comes from its own network. */
const ipOf = (i: number) => `2001:db8::${(i + 1).toString(16)}`;

async function join(eventId: string, i = 0): Promise<string> {
  const res = await fetch(`${edge.url}/queue/${eventId}/join`, { method: "POST", headers: { "cf-connecting-ip": ipOf(i) } });
  expect(res.status).toBeLessThan(300);
  return ((await res.json()) as { ticket: string }).ticket;
}

async function ask(eventId: string, ticket: string | null, action = "extend", method = "POST") {
  const res = await fetch(`${edge.url}/queue/${eventId}/${action}`, { method, headers: ticket ? { "x-queue-ticket": ticket } : {} });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, any> };
}

const deadlineOf = async (eventId: string, ticket: string) => {
  const payload = JSON.parse(atob(ticket.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/")));
  return Number(await redis.zscore(eventKeys(eventId).admitted, payload.tid));
};

describe("POST /queue/:eventId/extend", () => {
  test("an admitted fan gets more time once: the claim deadline moves by extensionSeconds, a second ask is 409 ALREADY_EXTENDED", async () => {
    const eventId = await freshEvent("ext-once", { extensionSeconds: 90, extensionBudgetMinutes: 30 });
    const ticket = await join(eventId);
    await admitHead(eventId, 1);
    const before = await deadlineOf(eventId, ticket);

    const extended = await ask(eventId, ticket);
    expect(extended).toEqual({ status: 200, body: { eventId, claimDeadline: new Date(before + 90_000).toISOString(), claimUrl: `/queue/${eventId}/claim` } });
    expect(await deadlineOf(eventId, ticket)).toBe(before + 90_000);
    expect(await ask(eventId, ticket)).toMatchObject({ status: 409, body: { code: "ALREADY_EXTENDED", message: expect.any(String) } });
    expect(await deadlineOf(eventId, ticket)).toBe(before + 90_000);
    expect(await redis.hmget(eventKeys(eventId).queueState, "extensionUsedSeconds", "extensionsGranted")).toEqual(["90", "1"]);

    // the turn is claimed as ever; a claimed turn has nothing left to extend
    expect((await ask(eventId, ticket, "claim")).status).toBe(200);
    expect(await ask(eventId, ticket)).toMatchObject({ status: 403, body: { code: "NOT_ADMITTED" } });
  });

  test("200 admitted fans asking at once against a budget of 5 extensions: exactly 5 get one, the rest 409 EXTENSION_BUDGET_USED", async () => {
    const eventId = await freshEvent("ext-race", { extensionSeconds: 60, extensionBudgetMinutes: 5 });
    const tickets: string[] = [];
    for (let i = 0; i < 200; i += 20) tickets.push(...(await Promise.all(Array.from({ length: 20 }, (_, j) => join(eventId, i + j)))));
    expect(await admitHead(eventId, 200)).toBe(200);

    const replies = await Promise.all(tickets.map((ticket) => ask(eventId, ticket)));
    expect(replies.filter((r) => r.status === 200)).toHaveLength(5);
    const refused = replies.filter((r) => r.status !== 200);
    expect(refused).toHaveLength(195);
    for (const r of refused) expect(r).toMatchObject({ status: 409, body: { code: "EXTENSION_BUDGET_USED", message: expect.stringContaining("used up") } });
    expect(await redis.hmget(eventKeys(eventId).queueState, "extensionUsedSeconds", "extensionsGranted")).toEqual(["300", "5"]);
  });

  test("an extended turn can still be claimed after its first deadline passed", async () => {
    const eventId = await freshEvent("ext-late", { extensionSeconds: 5, extensionBudgetMinutes: 1 });
    const ticket = await join(eventId);
    await admitHead(eventId, 1, { claimWindowMs: 1500 });
    const first = await deadlineOf(eventId, ticket);
    expect((await ask(eventId, ticket)).status).toBe(200);
    await waitUntil("the first claim deadline to pass", async () => Date.now() > first + 300, 10_000, 100);
    expect((await ask(eventId, ticket, "claim")).status).toBe(200);
  });

  test("refusals are clear 4xx JSON: no extensions, a waiting fan, no ticket, a turn that passed, GET, a bad event id", async () => {
    const off = await freshEvent("ext-off", { extensionSeconds: 0 });
    const offTicket = await join(off);
    await admitHead(off, 1);
    expect(await ask(off, offTicket)).toMatchObject({ status: 409, body: { code: "EXTENSIONS_OFF" } });
    expect(await redis.hget(eventKeys(off).queueState, "extensionsGranted")).toBeNull();

    const eventId = await freshEvent("ext-refused");
    const waiting = await join(eventId, 1);
    expect(await ask(eventId, waiting)).toMatchObject({ status: 403, body: { code: "NOT_ADMITTED" } });
    expect(await ask(eventId, null)).toMatchObject({ status: 401, body: { code: "NO_TICKET" } });
    expect(await ask(eventId, "not-a-ticket")).toMatchObject({ status: 401 });
    expect(await ask(eventId, waiting, "extend", "GET")).toMatchObject({ status: 405, body: { code: "METHOD_NOT_ALLOWED" } });
    expect(await ask("bad id!", waiting)).toMatchObject({ status: 404 });

    const late = await freshEvent("ext-passed");
    const lateTicket = await join(late);
    await admitHead(late, 1, { claimWindowMs: -1000 });
    expect(await ask(late, lateTicket)).toMatchObject({ status: 410, body: { code: "CLAIM_EXPIRED" } });
  });
});
