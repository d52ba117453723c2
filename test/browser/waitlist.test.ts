/**
 * The waiting list in a real browser: a fan who arrives after the sale sold out is told so,
 * and that the waiting list is open; leaves a request with the page's form (2 seats of a
 * tier, an email); sees their place on the list; when the organiser refunds an order, is
 * told on the page that seats came back for them, with the claim window counting down;
 * claims them and lands on checkout with those seats held. The pages pass axe-core and
 * their Content-Security-Policy blocks nothing.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import type { Browser } from "playwright-core";
import { eventKeys } from "../../common/keys.ts";
import { waitUntil } from "../kit/wait.ts";
import { accessibilityProblems, fanPage, policyViolations, screenshot } from "./helpers/browser.ts";
import { redis, useBrowserStack, type Stack } from "./helpers/stack.ts";

const fixture = useBrowserStack();
let stack: Stack;
let browser: Browser;
beforeAll(() => {
  ({ stack, browser } = fixture);
});

async function edgeCall(method: string, path: string, opts: { ticket?: string; token?: string; body?: unknown; key?: string } = {}) {
  const headers: Record<string, string> = {};
  if (opts.ticket) headers["x-queue-ticket"] = opts.ticket;
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.key) headers["idempotency-key"] = opts.key;
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(stack.edgeUrl + path, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
}

/** A fan (no browser) goes through the line and buys the best 2 seats of `tier`; the order's id and seats. */
async function buyTwo(eventId: string, tier: string): Promise<{ orderId: string; seatIds: string[] }> {
  const joined = await edgeCall("POST", `/queue/${eventId}/join`);
  expect(joined.status).toBe(201);
  const ticket = joined.body.ticket as string;
  await waitUntil("the buyer admitted", async () => (await edgeCall("GET", `/queue/${eventId}/status`, { ticket })).body?.admitted === true);
  const claimed = await edgeCall("POST", `/queue/${eventId}/claim`, { ticket });
  expect(claimed.status).toBe(200);
  const token = claimed.body.activeToken as string;
  const held = await edgeCall("POST", `/api/events/${eventId}/holds/best-available`, { token, body: { quantity: 2, tier } });
  expect(held.status).toBe(201);
  const bought = await edgeCall("POST", `/api/events/${eventId}/holds/${held.body.holdId}/purchase`, { token, body: { paymentMethod: "sim_approve" }, key: `buy-${tier}` });
  expect(bought.status).toBe(201);
  return { orderId: bought.body.orderId, seatIds: bought.body.seats.map((s: { seatId: string }) => s.seatId) };
}

describe("the waiting list", () => {
  test("sold out -> the form -> on the list -> a refund frees seats -> offered with a countdown -> claimed -> the seats held at checkout", async () => {
    // a hall of 4 seats: 2 front, 2 standard
    const eventId = await stack.createEvent({ label: "waitlist", rows: 1, seatsPerRow: 2 });
    await buyTwo(eventId, "front");
    const standard = await buyTwo(eventId, "standard");
    await waitUntil("sold out by itself", async () => (await stack.admin("GET", `/admin/events/${eventId}/queue`)).body?.status === "soldout");

    const page = await fanPage(browser);
    const opened = await page.goto(`${stack.edgeUrl}/events/${eventId}`);
    expect(opened?.status()).toBe(410);
    await page.getByRole("heading", { name: "Sold out", exact: true }).waitFor();
    await page.getByRole("heading", { name: "The waiting list is open" }).waitFor();
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.getByLabel("Seats wanted").selectOption("2");
    await page.getByLabel("Tier wanted").selectOption("standard");
    await page.getByLabel("Your email (optional)").fill("fan@example.org");
    await screenshot(page, "waitlist-form");
    await page.getByRole("button", { name: "Join the waiting list" }).click();

    // on the list: the place, and what was asked, kept by Redis and (through the leader) MySQL
    await page.getByText("You are on the waiting list for 2 seats of standard.").waitFor({ timeout: 20_000 });
    expect(await page.locator("#waitlist-position").textContent()).toBe("1");
    await expect(page.getByRole("button", { name: "Join the waiting list" }).isVisible()).resolves.toBe(false);
    await waitUntil("the entry in MySQL", async () => {
      const [rows] = (await stack.db.query("SELECT contact, quantity, tier FROM waitlist_entries WHERE event_id = ?", [eventId])) as [Array<{ contact: string; quantity: number; tier: string }>, unknown];
      return rows.length === 1 && rows[0]!.contact === "fan@example.org" && rows[0]!.quantity === 2 && rows[0]!.tier === "standard";
    });
    // a reload finds the entry again
    await page.reload();
    await page.getByText("You are on the waiting list for 2 seats of standard.").waitFor();
    await screenshot(page, "waitlist-on-the-list");
    expect(await accessibilityProblems(page)).toEqual([]);

    // the organiser refunds the standard order: its seats are offered to the first entry
    expect((await stack.admin("POST", `/admin/orders/${standard.orderId}/cancel`)).status).toBe(200);
    await page.getByRole("heading", { name: "Seats came back for you" }).waitFor({ timeout: 30_000 });
    const offered = (await page.locator("#waitlist-seats").textContent()) ?? "";
    for (const seat of standard.seatIds) expect(offered).toContain(seat);
    await page.waitForFunction(() => /^\d+:\d\d$/.test(document.getElementById("waitlist-left")?.textContent ?? ""));
    const left = (await page.locator("#waitlist-left").textContent())!.split(":").map(Number);
    expect(left[0]! * 60 + left[1]!).toBeGreaterThan(0);
    expect(await page.title()).toMatch(/^Seats for you! Claim within \d+:\d\d$/);
    await screenshot(page, "waitlist-offered");
    expect(await accessibilityProblems(page)).toEqual([]);

    expect(await policyViolations(page)).toEqual([]);

    // claimed: the sale opens on the offered seats, held for this fan's one hold, with the hold's countdown
    await page.getByRole("button", { name: "Claim these seats" }).click();
    await page.locator("#map .seat").first().waitFor({ timeout: 30_000 });
    await page.getByText(/Held for you for \d+:\d\d/).waitFor();
    const picked: string[] = [...(((await page.locator("#picked").textContent()) ?? "").match(/[AB]-\d+-\d+/g) ?? [])];
    expect(picked.sort()).toEqual([...standard.seatIds].sort());
    const holders = await redis.mget(...picked.map((id) => eventKeys(eventId).seat(id)));
    expect(holders[0]).not.toBeNull();
    expect(holders[1]).toBe(holders[0]);
    await waitUntil("the entry claimed in MySQL", async () => {
      const [rows] = (await stack.db.query("SELECT status FROM waitlist_entries WHERE event_id = ?", [eventId])) as [Array<{ status: string }>, unknown];
      return rows[0]?.status === "claimed";
    });
    expect(await policyViolations(page)).toEqual([]);
    await page.close();
  }, 120_000);

  test("a page served before the organiser began binding places still joins the list: it makes its device key when the edge asks for one", async () => {
    const eventId = await stack.createEvent({ label: "waitlist-late-bind", rows: 1, seatsPerRow: 2 });
    await buyTwo(eventId, "front");
    await buyTwo(eventId, "standard");
    await waitUntil("sold out by itself", async () => (await stack.admin("GET", `/admin/events/${eventId}/queue`)).body?.status === "soldout");
    const page = await fanPage(browser);
    expect((await page.goto(`${stack.edgeUrl}/events/${eventId}`))?.status()).toBe(410);
    expect(await page.locator("body").getAttribute("data-device-binding")).toBe("off");
    expect((await stack.admin("PATCH", `/admin/events/${eventId}/queue`, { deviceBinding: "required" })).status).toBe(200);
    await waitUntil("the edge asks joins for a device key", async () => (await edgeCall("POST", `/queue/${eventId}/waitlist`, { body: { quantity: 1 } })).body?.code === "DEVICE_BINDING_REQUIRED");
    await page.getByLabel("Seats wanted").selectOption("2");
    await page.getByRole("button", { name: "Join the waiting list" }).click();
    await page.getByText("You are on the waiting list for 2 seats").waitFor();
    const cookie = (await page.context().cookies()).find((c) => c.name === `cu_q_${eventId}`)!;
    expect(JSON.parse(Buffer.from(cookie.value.split(".")[1]!, "base64url").toString()).cnf.jkt).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await page.context().close();
  });

  test("in a sale that binds places to the device: the list's ticket is bound to the page's device key, the offer is claimed with its proof and paid for at checkout; a copy of the ticket cannot claim it", async () => {
    const eventId = await stack.createEvent({ label: "waitlist-bound", rows: 1, seatsPerRow: 2 });
    await buyTwo(eventId, "front");
    const standard = await buyTwo(eventId, "standard");
    await waitUntil("sold out by itself", async () => (await stack.admin("GET", `/admin/events/${eventId}/queue`)).body?.status === "soldout");
    expect((await stack.admin("PATCH", `/admin/events/${eventId}/queue`, { deviceBinding: "required" })).status).toBe(200);

    const page = await fanPage(browser);
    expect((await page.goto(`${stack.edgeUrl}/events/${eventId}`))?.status()).toBe(410);
    await page.getByLabel("Seats wanted").selectOption("2");
    await page.getByLabel("Tier wanted").selectOption("standard");
    await page.getByRole("button", { name: "Join the waiting list" }).click();
    // the entry, or the words of a refusal (shown in the failure)
    await page.waitForFunction(() => !document.getElementById("waitlist-entry")!.hidden || !document.getElementById("waitlist-error")!.hidden, undefined, { timeout: 30_000 });
    expect(await page.locator("#waitlist-error").isHidden() ? "" : await page.locator("#waitlist-error").textContent()).toBe("");
    await page.getByText("You are on the waiting list for 2 seats of standard.").waitFor();
    const cookie = (await page.context().cookies()).find((c) => c.name === `cu_q_${eventId}`)!;
    expect(JSON.parse(Buffer.from(cookie.value.split(".")[1]!, "base64url").toString()).cnf.jkt).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // a join without the device's proof is refused in this sale
    const bare = await edgeCall("POST", `/queue/${eventId}/waitlist`, { body: { quantity: 1 } });
    expect(bare).toMatchObject({ status: 403, body: { code: "DEVICE_BINDING_REQUIRED" } });

    expect((await stack.admin("POST", `/admin/orders/${standard.orderId}/cancel`)).status).toBe(200);
    await page.getByRole("heading", { name: "Seats came back for you" }).waitFor({ timeout: 30_000 });
    // the ticket copied out of the browser has no key to sign with: its claim is refused
    const copied = await edgeCall("POST", `/queue/${eventId}/claim`, { ticket: cookie.value });
    expect(copied).toMatchObject({ status: 401, body: { code: "DPOP_REQUIRED" } });

    await page.getByRole("button", { name: "Claim these seats" }).click();
    await page.locator("#map .seat").first().waitFor({ timeout: 30_000 });
    await page.getByText(/Held for you for \d+:\d\d/).waitFor();
    const token = (await page.context().cookies()).find((c) => c.name === `cu_act_${eventId}`)!;
    expect(JSON.parse(Buffer.from(token.value.split(".")[1]!, "base64url").toString()).cnf.jkt).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // the sale page signs its calls with the same key: the offered seats are paid for
    await page.getByLabel("Card that is approved").check();
    await page.getByRole("button", { name: "Pay now" }).click();
    await page.getByRole("heading", { name: "You're going!" }).waitFor();
    const orderId = (await page.locator("#order-id").textContent())!;
    const [rows] = (await stack.db.query("SELECT seat_id AS seatId FROM reservations WHERE order_id = ? ORDER BY seat_id", [orderId])) as [Array<{ seatId: string }>, unknown];
    expect(rows.map((r) => r.seatId)).toEqual([...standard.seatIds].sort());
    expect(await policyViolations(page)).toEqual([]);
    await page.close();
  }, 120_000);
});
