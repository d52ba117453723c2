/**
 * The fan's journey in a real browser (Chromium via playwright-core) through the
 * edge in workerd to the origin, Redis and MariaDB: what the page shows, and what the
 * database holds afterwards.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { eventKeys } from "../../common/keys.ts";
import { mintActiveSessions, signingKeyFromEnv } from "../kit/dev-sessions.ts";
import { SseReader } from "../kit/sse.ts";
import { accessibilityProblems, fanPage, policyViolations, screenshot } from "./helpers/browser.ts";
import { redis, reservationsOf, useBrowserStack, type Stack } from "./helpers/stack.ts";

const fixture = useBrowserStack();
let stack: Stack;
let browser: Browser;
beforeAll(() => {
  ({ stack, browser } = fixture);
});

/** Opens the event's page and waits until the fan is on the seat map (the page claims the turn by itself). */
async function admittedFan(eventId: string, opts: { phone?: boolean } = {}): Promise<Page> {
  const page = await fanPage(browser, opts);
  await page.goto(`${stack.edgeUrl}/events/${eventId}`);
  await page.locator("#map .seat").first().waitFor({ timeout: 30_000 });
  return page;
}

const seat = (page: Page, id: string) => page.locator(`#seat-${id}`);

async function hold(page: Page, seatIds: string[]) {
  for (const id of seatIds) await seat(page, id).click();
  await page.getByRole("button", { name: "Hold these seats" }).click();
}

describe("fan journey in a browser", () => {
  test("queue -> admitted -> pick seats -> hold -> pay -> confirmation, and the database holds exactly that order", async () => {
    const eventId = await stack.createEvent({ label: "journey" });
    expect((await stack.admin("POST", `/admin/events/${eventId}/queue/pause`)).status).toBe(200);

    const page = await fanPage(browser);
    await page.goto(`${stack.edgeUrl}/events/${eventId}`);
    await expect(page.getByRole("heading", { name: "You are in the waiting room" }).isVisible()).resolves.toBe(true);
    await page.getByText("The sale is paused. You keep your place.").waitFor();
    expect(await page.locator("#position").textContent()).toBe("1");
    expect(await page.locator("#event-name").textContent()).toBe("Browser test: journey");
    expect(await page.locator(".event time").textContent()).toBe(await page.evaluate(() => new Intl.DateTimeFormat(document.documentElement.lang, { dateStyle: "full", timeStyle: "short" }).format(new Date("2031-06-01T19:30:00.000Z"))));
    await screenshot(page, "1-waiting-room");
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(await policyViolations(page)).toEqual([]);

    // admissions resume: the page claims the turn and moves to the seat map by itself
    expect((await stack.admin("POST", `/admin/events/${eventId}/queue/resume`)).status).toBe(200);
    await page.locator("#map .seat").first().waitFor({ timeout: 30_000 });
    expect(new URL(page.url()).pathname).toBe(`/events/${eventId}`);
    await page.getByRole("heading", { name: `Browser test: journey` }).waitFor();
    expect(await page.locator("#tiers").textContent()).toContain("front");
    await screenshot(page, "2-seat-map");

    // one seat by keyboard, one by mouse
    await seat(page, "A-1-3").focus();
    await page.keyboard.press("Enter");
    await seat(page, "A-1-4").click();
    expect(await seat(page, "A-1-3").getAttribute("aria-pressed")).toBe("true");
    expect(await page.locator("#picked").textContent()).toContain("A-1-3, A-1-4");
    await page.getByRole("button", { name: "Hold these seats" }).click();
    await page.getByText(/Held for you for \d+:\d\d/).waitFor();
    await screenshot(page, "3-hold");
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(await policyViolations(page)).toEqual([]);

    // a reload finds the hold again
    await page.reload();
    await page.getByText(/Held for you for \d+:\d\d/).waitFor();
    expect(await page.locator("#picked").textContent()).toContain("A-1-3, A-1-4");

    await page.getByLabel("Card that is approved").check();
    await page.getByRole("button", { name: "Pay now" }).click();
    await page.getByRole("heading", { name: "You're going!" }).waitFor();
    const orderId = (await page.locator("#order-id").textContent())!;
    expect(await page.locator("#order-seats").textContent()).toBe("A-1-3, A-1-4");
    expect(await page.locator("#order-total").textContent()).toContain("190");
    await screenshot(page, "4-confirmation");
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(await policyViolations(page)).toEqual([]);

    expect(await reservationsOf(stack.db, eventId)).toEqual([
      { seatId: "A-1-3", orderId },
      { seatId: "A-1-4", orderId },
    ]);
    const [orders] = await stack.db.query("SELECT id, status, amount_cents AS amountCents FROM orders WHERE event_id = ?", [eventId]);
    expect(orders as unknown[]).toEqual([{ id: orderId, status: "paid", amountCents: 19000 }]);

    // a reload shows the order again
    await page.reload();
    await page.getByRole("heading", { name: "You're going!" }).waitFor();
    expect(await page.locator("#order-id").textContent()).toBe(orderId);
    await page.context().close();
  });

  test("two browsers race for the same seat: one gets it, the other is told which seat and sees it taken", async () => {
    const eventId = await stack.createEvent({ label: "race" });
    const [a, b] = await Promise.all([admittedFan(eventId), admittedFan(eventId, { phone: true })]);
    for (const page of [a, b]) await seat(page, "B-2-5").click();
    await Promise.all([a, b].map((page) => page.getByRole("button", { name: "Hold these seats" }).click()));

    const outcome = async (page: Page) => {
      await page.locator("#message").filter({ hasText: /held|first|taken/i }).waitFor();
      return (await page.locator("#message").textContent())!;
    };
    const [ma, mb] = await Promise.all([outcome(a), outcome(b)]);
    const winner = ma.startsWith("Seats held") ? a : b;
    const loser = winner === a ? b : a;
    const lost = winner === a ? mb : ma;
    expect([ma, mb].filter((m) => m.startsWith("Seats held"))).toHaveLength(1);
    expect(lost).toContain("B-2-5");
    expect(lost).toContain("Choose another seat");
    await expect(seat(loser, "B-2-5").isDisabled()).resolves.toBe(true);
    expect(await seat(loser, "B-2-5").getAttribute("class")).toContain("held");
    await screenshot(loser, "race-loser-phone");

    await winner.getByRole("button", { name: "Pay now" }).click();
    await winner.getByRole("heading", { name: "You're going!" }).waitFor();
    // the loser's map turns the seat to sold without a reload
    await loser.waitForFunction((id) => document.getElementById(`seat-${id}`)?.classList.contains("sold"), "B-2-5", { timeout: 10_000 });
    expect((await reservationsOf(stack.db, eventId)).map((r) => r.seatId)).toEqual(["B-2-5"]);
    await Promise.all([a.context().close(), b.context().close()]);
  });

  test("best available: the fan picks how many seats and a tier, and lands on a hold of seats side by side with a countdown", async () => {
    const eventId = await stack.createEvent({ label: "best" });
    const page = await admittedFan(eventId);
    await page.getByLabel("Seats").selectOption("3");
    await page.getByLabel("Tier").selectOption("front");
    await page.getByRole("button", { name: "Best available" }).click();
    await page.getByText(/Held for you for \d+:\d\d/).waitFor();
    await page.getByText("The best seats free, side by side.").waitFor();
    const picked = (await page.locator("#picked").textContent())!;
    // the front row's centre of 8 seats, in one row
    expect(picked).toMatch(/^A-1-\d, A-1-\d, A-1-\d /);
    const held = picked.split(" (")[0]!.split(", ");
    const numbers = held.map((id) => Number(id.split("-")[2])).sort((a, b) => a - b);
    expect(numbers[2]! - numbers[0]!).toBe(2);
    const owners = await redis.mget(...held.map((id) => eventKeys(eventId).seat(id)));
    expect(new Set(owners).size).toBe(1);
    expect(owners[0]).toMatch(/^hold/);
    expect(await page.locator("#best-form").isHidden()).toBe(true);
    await screenshot(page, "best-available");
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.getByRole("button", { name: "Release" }).click();
    await page.getByText("Seats released.").waitFor();
    expect(await page.locator("#best-form").isVisible()).toBe(true);
    await page.close();
  });

  test("the honest line: waiting fans are told their chance at their place, and when the last seat sells the sale is sold out by itself and every stream is told", async () => {
    // four seats: a few fans at the front may get them, the rest of a line of 30 will not
    const eventId = await stack.createEvent({ label: "honest", rows: 1, seatsPerRow: 2 });
    expect((await stack.admin("POST", `/admin/events/${eventId}/queue/pause`)).status).toBe(200);
    const tickets: string[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await fetch(`${stack.edgeUrl}/queue/${eventId}/join`, { method: "POST" });
      expect(res.status).toBe(201);
      tickets.push(((await res.json()) as { ticket: string }).ticket);
    }
    const status = async (ticket: string) => (await (await fetch(`${stack.edgeUrl}/queue/${eventId}/status`, { headers: { "x-queue-ticket": ticket } })).json()) as { position: number; chance: { label: string; percent: number; text: string } | null };
    // the leader publishes its estimate within a second or two of the sale's first sample
    let first = await status(tickets[0]!);
    for (let i = 0; i < 100 && !first.chance; i++) {
      await Bun.sleep(100);
      first = await status(tickets[0]!);
    }
    expect(first.chance).not.toBeNull();
    expect(first.chance!.label).not.toBe("unlikely");
    const last = await status(tickets[29]!);
    expect(last.position).toBe(30);
    expect(last.chance).toEqual({ label: "unlikely", percent: expect.any(Number), text: "unlikely" });
    expect(last.chance!.percent).toBeLessThan(first.chance!.percent);

    // the organiser stops the line where the chance falls below 20 %: no new place past it,
    // while every fan in line keeps theirs; cleared, the line takes new places again
    expect((await stack.admin("PATCH", `/admin/events/${eventId}/queue`, { minChance: 20 })).body.settings.minChance).toBe(20);
    const join = () => fetch(`${stack.edgeUrl}/queue/${eventId}/join`, { method: "POST" });
    // until the leader and the edge have seen the setting (a tick each), joins still get places
    let placedBefore = 0;
    let stopped = await join();
    for (let i = 0; i < 100 && stopped.status !== 409; i++) {
      if (stopped.status === 201) placedBefore++;
      await Bun.sleep(100);
      stopped = await join();
    }
    expect(stopped.status).toBe(409);
    expect(await stopped.json()).toEqual({ code: "LINE_STOPPED", message: expect.stringContaining("not taking new places"), waitlistUrl: `/queue/${eventId}/waitlist` });
    for (let i = 0; i < 5; i++) expect((await join()).status).toBe(409);
    expect(Number(await redis.get(eventKeys(eventId).seq))).toBe(30 + placedBefore);
    expect((await status(tickets[29]!)).position).toBe(30);
    expect((await stack.admin("PATCH", `/admin/events/${eventId}/queue`, { minChance: null })).body.settings.minChance).toBeNull();
    let reopened = await join();
    for (let i = 0; i < 100 && reopened.status !== 201; i++) {
      await Bun.sleep(100);
      reopened = await join();
    }
    expect(reopened.status).toBe(201);

    // a fan at the back sees it on the page, in words and with the number
    const page = await fanPage(browser);
    await page.goto(`${stack.edgeUrl}/events/${eventId}`);
    await page.locator("#chance").filter({ hasText: /^unlikely \(\d+ %\)$/ }).waitFor();
    await screenshot(page, "honest-line");
    expect(await accessibilityProblems(page)).toEqual([]);

    // every waiting fan's stream is open when the last seat sells
    const streams = await Promise.all(
      tickets.map(async (ticket) => {
        const res = await fetch(`${stack.edgeUrl}/queue/${eventId}/events`, { headers: { "x-queue-ticket": ticket, accept: "text/event-stream" } });
        expect(res.status).toBe(200);
        const reader = new SseReader(res);
        await reader.nextEvent("position", 20_000);
        return reader;
      }),
    );
    const [buyer] = await mintActiveSessions(redis, { eventId, count: 1, ttlSeconds: 600, key: signingKeyFromEnv(process.env) });
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${stack.edgeUrl}/api/events/${eventId}${path}`, { ...init, headers: { authorization: `Bearer ${buyer!.token}`, "content-type": "application/json", ...init.headers } });
    const held = (await (await api("/holds", { method: "POST", body: JSON.stringify({ seatIds: ["A-1-1", "A-1-2", "B-1-1", "B-1-2"] }) })).json()) as { holdId: string };
    const bought = await api(`/holds/${held.holdId}/purchase`, { method: "POST", headers: { "idempotency-key": "honest-1" }, body: JSON.stringify({ paymentMethod: "sim_approve" }) });
    expect(bought.status).toBe(201);
    const soldAt = performance.now();
    const told = await Promise.all(streams.map((r) => r.nextEvent("closed", 20_000)));
    const toldAfterMs = performance.now() - soldAt;
    for (const t of told) expect(t.data).toMatchObject({ status: "soldout", code: "SOLD_OUT" });
    console.log(`honest line: 30 streams told of the sell-out ${Math.round(toldAfterMs)} ms after the last seat sold`);
    await page.getByText("Sold out. No more tickets are available.").waitFor();
    expect((await stack.admin("GET", `/admin/events/${eventId}/queue`)).body.status).toBe("soldout");
    await Promise.all(streams.map((r) => r.close()));
    await page.close();
  });

  test("two tabs of one turn hold two sets and one buys: the confirmation names the released seats, the other tab shows the order, and a rival gets the seat at once", async () => {
    const eventId = await stack.createEvent({ label: "two-tabs" });
    const first = await admittedFan(eventId);
    const second = await first.context().newPage();
    await second.goto(`${stack.edgeUrl}/events/${eventId}`);
    await second.locator("#map .seat").first().waitFor({ timeout: 30_000 });
    await hold(first, ["A-1-7"]);
    await first.getByText(/Held for you for/).waitFor();
    await hold(second, ["A-1-8"]);
    await second.getByText(/Held for you for/).waitFor();

    await first.getByRole("button", { name: "Pay now" }).click();
    await first.getByRole("heading", { name: "You're going!" }).waitFor();
    expect(await first.locator("#order-note").textContent()).toContain("your other held seats (A-1-8) were released");
    // the other tab shows the order instead of a hold that is gone
    await second.getByRole("heading", { name: "You're going!" }).waitFor({ timeout: 10_000 });
    expect(await second.locator("#order-seats").textContent()).toBe("A-1-7");
    expect(await second.locator("#order-note").textContent()).toContain("the seats held in this tab (A-1-8) were released");
    expect(await accessibilityProblems(second)).toEqual([]);
    expect(await redis.exists(eventKeys(eventId).seat("A-1-8"))).toBe(0);

    const rival = await admittedFan(eventId);
    await hold(rival, ["A-1-8"]);
    await rival.getByText(/Held for you for/).waitFor();
    await Promise.all([first.context().close(), rival.context().close()]);
  });

  test("the waiting room and the sale page load without a failed request or a console error (the icon included)", async () => {
    const eventId = await stack.createEvent({ label: "clean-load" });
    expect((await stack.admin("POST", `/admin/events/${eventId}/queue/pause`)).status).toBe(200);
    const page = await fanPage(browser);
    const failures: string[] = [];
    page.on("console", (m) => void (m.type() === "error" && failures.push(`console: ${m.text()}`)));
    page.on("response", (r) => void (r.status() >= 400 && failures.push(`${r.status()} ${new URL(r.url()).pathname}`)));
    // the position stream is cut when the page moves on to the seat map: aborted, not failed
    page.on("requestfailed", (r) => void (r.failure()?.errorText !== "net::ERR_ABORTED" && failures.push(`failed ${new URL(r.url()).pathname}`)));
    await page.goto(`${stack.edgeUrl}/events/${eventId}`);
    await page.getByText("The sale is paused. You keep your place.").waitFor();
    expect((await stack.admin("POST", `/admin/events/${eventId}/queue/resume`)).status).toBe(200);
    await page.locator("#map .seat").first().waitFor({ timeout: 30_000 });
    await page.waitForLoadState("networkidle");
    expect(failures).toEqual([]);
    // headless shells may not fetch icons themselves: the page names a versioned one, and it answers
    const icon = await page.locator('link[rel="icon"]').getAttribute("href");
    expect(icon).toMatch(/^\/assets\/icon-[0-9a-f]{8}\.svg$/);
    const fetched = await page.request.get(`${stack.edgeUrl}${icon}`);
    expect(fetched.status()).toBe(200);
    expect(fetched.headers()["content-type"]).toContain("image/svg+xml");
    await page.context().close();
  });

  test("a claim the network drops is sent again: the fan is told it is reconnecting, keeps the turn and reaches the seat map", async () => {
    const eventId = await stack.createEvent({ label: "dropped-claim" });
    const page = await fanPage(browser);
    const claims: string[] = [];
    await page.route(`**/queue/${eventId}/claim`, (route) => {
      claims.push(claims.length === 0 ? "dropped" : "sent");
      return claims.length === 1 ? route.abort("connectionreset") : route.continue();
    });
    await page.goto(`${stack.edgeUrl}/events/${eventId}`);
    await page.locator("#state").filter({ hasText: "Reconnecting... you keep your place." }).waitFor();
    await page.locator("#map .seat").first().waitFor({ timeout: 30_000 });
    expect(claims).toEqual(["dropped", "sent"]);
    await page.context().close();
  });

  test("a declined payment frees the seats and says so", async () => {
    const eventId = await stack.createEvent({ label: "decline" });
    const page = await admittedFan(eventId);
    await hold(page, ["A-3-1", "A-3-2"]);
    await page.getByText(/Held for you for/).waitFor();
    await page.getByLabel("Card that is declined").check();
    await page.getByRole("button", { name: "Pay now" }).click();
    await page.locator("#message").filter({ hasText: "declined" }).waitFor();
    expect(await page.locator("#message").textContent()).toContain("released");
    await screenshot(page, "5-declined");

    await page.waitForFunction(() => document.getElementById("seat-A-3-1")?.className === "seat available");
    await expect(seat(page, "A-3-1").isEnabled()).resolves.toBe(true);
    expect(await reservationsOf(stack.db, eventId)).toEqual([]);
    expect(await redis.exists(eventKeys(eventId).seat("A-3-1"), eventKeys(eventId).seat("A-3-2"))).toBe(0);

    // another fan can buy them at once
    const next = await admittedFan(eventId);
    await hold(next, ["A-3-1"]);
    await next.getByText(/Held for you for/).waitFor();
    await Promise.all([page.context().close(), next.context().close()]);
  });

  test("refresh in the queue keeps the place; a tampered ticket cookie does not jump the line", async () => {
    const eventId = await stack.createEvent({ label: "refresh" });
    expect((await stack.admin("POST", `/admin/events/${eventId}/queue/pause`)).status).toBe(200);
    const fans: Page[] = [];
    for (let i = 0; i < 3; i++) {
      const page = await fanPage(browser);
      await page.goto(`${stack.edgeUrl}/events/${eventId}`);
      await page.locator("#position").filter({ hasText: String(i + 1) }).waitFor();
      fans.push(page);
    }
    const third = fans[2]!;
    await third.reload();
    await third.locator("#position").filter({ hasText: /^\d+$/ }).waitFor();
    expect(await third.locator("#position").textContent()).toBe("3");
    expect(await third.locator("#ahead").textContent()).toBe("2");

    // forge the ticket: change one character in the middle of its signature (the last character
    // may carry only padding bits, so changing it can leave the signature's bytes as they were)
    const context = third.context();
    const cookie = (await context.cookies()).find((c) => c.name === `cu_q_${eventId}`)!;
    const signatureStart = cookie.value.lastIndexOf(".") + 1;
    const at = signatureStart + 10;
    const forged = cookie.value.slice(0, at) + (cookie.value[at] === "A" ? "B" : "A") + cookie.value.slice(at + 1);
    await context.addCookies([{ ...cookie, value: forged }]);
    await third.reload();
    await third.locator("#position").filter({ hasText: /^\d+$/ }).waitFor();
    expect(Number(await third.locator("#position").textContent())).toBeGreaterThanOrEqual(3);
    // the forged ticket was worth nothing: the page joined at the back as a new fan
    expect(Number(await redis.get(eventKeys(eventId).seq))).toBe(4);
    await Promise.all(fans.map((p) => p.context().close()));
  });

  test("a sold-out sale is told to waiting fans at once; the pre-queue counts down to the opening", async () => {
    const opensAt = new Date(Date.now() + 10 * 60_000).toISOString();
    const eventId = await stack.createEvent({ label: "prequeue", queue: { opensAt } });
    const page = await fanPage(browser, { phone: true });
    await page.goto(`${stack.edgeUrl}/events/${eventId}`);
    await page.getByText("The sale has not opened yet", { exact: false }).waitFor();
    await page.locator("#opens-in").filter({ hasText: /^(9|10):\d\d$/ }).waitFor();
    await screenshot(page, "prequeue-phone");
    expect(await accessibilityProblems(page)).toEqual([]);

    expect((await stack.admin("POST", `/admin/events/${eventId}/queue/close`, { reason: "soldout" })).status).toBe(200);
    await page.getByText("Sold out", { exact: false }).first().waitFor({ timeout: 10_000 });
    expect(await page.locator("#line").isHidden()).toBe(true);
    await page.context().close();
  });

  test("while Redis has lost the line the waiting room says it is being restored, in plain words, with no position; once restored it shows the place again", async () => {
    const eventId = await stack.createEvent({ label: "restoring" });
    expect((await stack.admin("POST", `/admin/events/${eventId}/queue/pause`)).status).toBe(200);
    const page = await fanPage(browser);
    await page.goto(`${stack.edgeUrl}/events/${eventId}`);
    await page.getByText("The sale is paused. You keep your place.").waitFor();
    expect(await page.locator("#position").textContent()).toBe("1");

    // Redis keeps losing the line: the scheduling leader rebuilds it from MySQL within a tick,
    // so the status is taken away again and again until the page has seen the line lost
    const k = eventKeys(eventId);
    let losing = true;
    const lose = (async () => {
      while (losing) {
        await redis.hdel(k.queueState, "status");
        await Bun.sleep(10);
      }
    })();
    const notice = page.getByRole("status").filter({ hasText: "We are restoring the line; you keep your place." });
    try {
      await notice.waitFor({ timeout: 20_000 });
      expect(await notice.getAttribute("aria-live")).toBe("polite");
      expect(await page.locator("#position").textContent()).toBe("...");
      expect(await accessibilityProblems(page)).toEqual([]);
    } finally {
      losing = false;
      await lose;
    }

    // Redis stops losing it and the leader restores the line: the page shows the place again
    await page.locator("#position").filter({ hasText: /^1$/ }).waitFor({ timeout: 20_000 });
    expect(await page.locator("#restoring").textContent()).toBe("");
    await page.context().close();
  });

  test("an ended turn is explained, with a way back into the line", async () => {
    const eventId = await stack.createEvent({ label: "expiry", queue: { sessionSeconds: 10 } });
    const page = await admittedFan(eventId);
    await Bun.sleep(10_500);
    await seat(page, "A-1-1").click();
    await page.getByRole("button", { name: "Hold these seats" }).click();
    await page.getByRole("heading", { name: "Your turn has ended" }).waitFor();
    await page.getByRole("link", { name: "Join the line again" }).click();
    // back through the waiting room (the line is empty, so straight to the seat map again)
    await page.locator("#map .seat").first().waitFor({ timeout: 30_000 });
    await page.context().close();
  });
});
