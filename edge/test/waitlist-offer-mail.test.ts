/**
 * The waiting list's offer email, end to end through the production Worker in workerd, the
 * Upstash bridge, a real origin (its SMTP settings pointing at a real local SMTP server), MySQL
 * and Redis: a fan on the list who left an address gets exactly one mail when seats are
 * offered to them, naming the seats and the claim deadline and linking to the event's page; a
 * fan who left none gets none; an offer that passes mails the next fan it goes to.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import Redis from "ioredis";
import mysql from "mysql2/promise";
import type { TestBridge } from "../../test/kit/bridge.ts";
import { startEdgeStack, type EdgeStack } from "../../test/kit/edge-stack.ts";
import type { AdminApi } from "../../test/kit/events.ts";
import type { OriginProcess } from "../../test/kit/origin-process.ts";
import { startSmtp, type LocalSmtp } from "../../test/kit/smtp.ts";
import { waitUntil } from "../../test/kit/wait.ts";
import type { WorkerdEdge } from "../../test/kit/workerd-edge.ts";

setDefaultTimeout(120_000);

const PUBLIC_EDGE = "https://tickets.example.test";
let pool: mysql.Pool;
let stack: EdgeStack;
let redis: Redis;
let smtp: LocalSmtp;
let bridge: TestBridge;
let origin: OriginProcess;
let edge: WorkerdEdge;
let admin: AdminApi;

beforeAll(async () => {
  smtp = await startSmtp();
  stack = await startEdgeStack({
    originEnv: { ADMISSION_TICK_MS: "100", SMTP_HOST: "127.0.0.1", SMTP_PORT: String(smtp.port), SMTP_SECURE: "0", MAIL_TIME_ZONE: "UTC", EDGE_PUBLIC_URL: `${PUBLIC_EDGE}/` },
    vars: { TICK_MS: "200", JOIN_LIMIT_PER_MINUTE: "100000", RATE_LIMIT_TIMEOUT_MS: "20000" },
  });
  ({ redis, pool, bridge, origin, edge, admin } = stack);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await smtp?.stop();
});

const ipOf = (i: number) => `2001:db8::${(i + 1).toString(16)}`;

async function call(method: string, path: string, opts: { fan?: number; ticket?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { "cf-connecting-ip": ipOf(opts.fan ?? 0), ...(opts.headers ?? {}) };
  if (opts.ticket) headers["x-queue-ticket"] = opts.ticket;
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(edge.url + path, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
}

/** A fan joins the line, is admitted, claims, holds the best `quantity` seats and buys them; answers the order. */
async function buyThroughLine(eventId: string, fan: number, quantity: number) {
  const joined = await call("POST", `/queue/${eventId}/join`, { fan });
  expect(joined.status).toBe(201);
  const ticket = joined.body.ticket as string;
  await waitUntil(`fan ${fan} admitted`, async () => (await call("GET", `/queue/${eventId}/status`, { fan, ticket })).body?.admitted === true);
  const claimed = await call("POST", `/queue/${eventId}/claim`, { fan, ticket });
  expect(claimed.status).toBe(200);
  const token = claimed.body.activeToken as string;
  const held = await call("POST", `/api/events/${eventId}/holds/best-available`, { fan, token, body: { quantity } });
  expect(held.status).toBe(201);
  const bought = await call("POST", `/api/events/${eventId}/holds/${held.body.holdId}/purchase`, { fan, token, body: { paymentMethod: "sim_approve" }, headers: { "idempotency-key": `buy-${fan}` } });
  expect(bought.status).toBe(201);
  return bought.body.orderId as string;
}

/** Joins once the leader opened the list on this Redis run (503 RESTORING until then). */
async function joinList(eventId: string, fan: number, body: unknown) {
  let joined = await call("POST", `/queue/${eventId}/waitlist`, { fan, body });
  const until = Date.now() + 20_000;
  while (joined.status === 503 && Date.now() < until) {
    await Bun.sleep(100);
    joined = await call("POST", `/queue/${eventId}/waitlist`, { fan, body });
  }
  expect(joined.status).toBe(201);
  return joined.body.ticket as string;
}

async function stateBecomes(eventId: string, fan: number, ticket: string, state: string, withinMs = 30_000) {
  let last: any;
  await waitUntil(`fan ${fan}'s entry ${state}`, async () => (last = (await call("GET", `/queue/${eventId}/waitlist`, { fan, ticket })).body)?.state === state, withinMs, 100);
  return last;
}

/** "14:05 UTC", as the mail writes a deadline. */
const utcClock = (iso: string) => `${iso.slice(11, 16)} UTC`;
const mailsTo = (eventId: string) => smtp.mails.filter((m) => m.text.includes(`${PUBLIC_EDGE}/events/${eventId}`));

describe("the waiting list's offer email", () => {
  test("an offered fan with an address gets one mail naming the seats and deadline; one without gets none; a passed offer mails the next fan", async () => {
    const eventId = await stack.openEvent("wl-mail", { claimSeconds: 5 }, { sections: [{ name: "A", rows: 1, seatsPerRow: 2, tier: "standard", priceCents: 5000 }] });
    const orderId = await buyThroughLine(eventId, 1, 2);
    await waitUntil("sold out by itself", async () => (await admin.call("GET", `/admin/events/${eventId}/queue`)).body?.status === "soldout");

    const a = await joinList(eventId, 10, { quantity: 2, contact: "first@example.org" });
    const b = await joinList(eventId, 11, { quantity: 2 });
    const c = await joinList(eventId, 12, { quantity: 2, contact: "third@example.org" });

    // the refund's seats are offered to the first fan, who is mailed once
    expect((await admin.call("POST", `/admin/orders/${orderId}/cancel`)).status).toBe(200);
    const offer = await stateBecomes(eventId, 10, a, "offered");
    await waitUntil("the first fan's mail", async () => mailsTo(eventId).length >= 1, 10_000, 50);
    const [first] = mailsTo(eventId);
    expect(first!.to).toEqual(["first@example.org"]);
    expect(first!.subject).toContain(`claim by ${utcClock(offer.claimDeadline)}`);
    expect(first!.text).toContain("section A, row 1, seat 1");
    expect(first!.text).toContain("section A, row 1, seat 2");
    expect(first!.text).toContain(`until ${utcClock(offer.claimDeadline)}`);
    expect(first!.text).toContain(`${PUBLIC_EDGE}/events/${eventId}\n`);
    expect(first!.text).toContain("1열 2번");

    // the first fan lets the window pass: the second fan, who left no address, is offered and mailed nothing
    await stateBecomes(eventId, 11, b, "offered", 20_000);
    expect(await stateBecomes(eventId, 10, a, "passed")).toMatchObject({ state: "passed" });
    // that offer passes too: the third fan is mailed
    await stateBecomes(eventId, 12, c, "offered", 20_000);
    await waitUntil("the third fan's mail", async () => mailsTo(eventId).length >= 2, 10_000, 50);
    const third = mailsTo(eventId)[1]!;
    expect(third.to).toEqual(["third@example.org"]);
    expect(third.text).toContain("section A, row 1, seat 1");

    // one mail per offer, none for the fan without an address, however many ticks ran since
    await Bun.sleep(1000);
    expect(mailsTo(eventId).flatMap((m) => m.to)).toEqual(["first@example.org", "third@example.org"]);
  });
});
