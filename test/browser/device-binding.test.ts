/**
 * A place that cannot be copied, in a real browser: with the organiser's deviceBinding set
 * to required, the waiting page makes its device key, joins and claims with proofs, and the
 * sale page's calls carry them. The ticket and then the token, copied with the cookies into
 * another browser context, are refused there; the original browser goes on to buy. A sale
 * that also asks a proof-of-work has the page solve it and join with both; the resume link
 * opened in another browser binds the place to that browser's own key, and it claims there.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import type { Browser, BrowserContext } from "playwright-core";
import { eventKeys } from "../../common/keys.ts";
import { accessibilityProblems, fanPage, policyViolations, screenshot } from "./helpers/browser.ts";
import { redis, reservationsOf, useBrowserStack, type Stack } from "./helpers/stack.ts";

const fixture = useBrowserStack();
let stack: Stack;
let browser: Browser;
beforeAll(() => {
  ({ stack, browser } = fixture);
});

/** Another browser with the first one's cookies (what a copied ticket or token is), but not its IndexedDB. */
async function copyOf(context: BrowserContext) {
  const page = await fanPage(browser);
  await page.context().addCookies(await context.cookies());
  return page;
}

describe("a place bound to the browser", () => {
  test("a ticket and a token copied to another browser are refused there; the original joins, claims, holds and buys", async () => {
    const eventId = await stack.createEvent({ label: "bound" });
    const set = await stack.admin("PATCH", `/admin/events/${eventId}/queue`, { deviceBinding: "required" });
    expect(set.status).toBe(200);
    expect(set.body.settings.deviceBinding).toBe("required");
    expect((await stack.admin("POST", `/admin/events/${eventId}/queue/pause`)).status).toBe(200);

    // the original: the page joins with its own key
    const page = await fanPage(browser);
    await page.goto(`${stack.edgeUrl}/events/${eventId}`);
    await page.getByText("The sale is paused. You keep your place.").waitFor();
    expect(await page.locator("#position").textContent()).toBe("1");
    const ticketCookie = (await page.context().cookies()).find((c) => c.name === `cu_q_${eventId}`)!;
    const ticketClaims = JSON.parse(Buffer.from(ticketCookie.value.split(".")[1]!, "base64url").toString());
    expect(ticketClaims.cnf.jkt).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // a reload keeps the place (the key is in IndexedDB)
    await page.reload();
    await page.getByText("The sale is paused. You keep your place.").waitFor();
    expect(await page.locator("#position").textContent()).toBe("1");
    expect(await policyViolations(page)).toEqual([]);

    // the ticket copied into another browser: refused there, and it cannot claim
    const copied = await copyOf(page.context());
    await copied.goto(`${stack.edgeUrl}/events/${eventId}`);
    await copied.getByText("This place or session belongs to another device").waitFor();
    await screenshot(copied, "device-binding-copied-ticket");
    expect(await accessibilityProblems(copied)).toEqual([]);
    expect(await policyViolations(copied)).toEqual([]);

    // admissions resume: the original claims and reaches the seat map; the copy's claim is refused
    expect((await stack.admin("POST", `/admin/events/${eventId}/queue/resume`)).status).toBe(200);
    await page.locator("#map .seat").first().waitFor({ timeout: 30_000 });
    const copiedClaim = await copied.evaluate(async (id) => {
      const res = await fetch(`/queue/${id}/claim`, { method: "POST" });
      return { status: res.status, code: ((await res.json()) as { code: string }).code };
    }, eventId);
    // its claim is refused before the ticket is spent (the original claimed it already, or will)
    expect(copiedClaim).toEqual({ status: 401, code: "DPOP_REQUIRED" });
    await copied.context().close();

    // the token copied into another browser: the sale page there is refused every call
    const thief = await copyOf(page.context());
    await thief.goto(`${stack.edgeUrl}/events/${eventId}`);
    await thief.getByRole("heading", { name: "This session belongs to another browser" }).waitFor();
    await screenshot(thief, "device-binding-copied-token");
    expect(await accessibilityProblems(thief)).toEqual([]);
    const thiefHold = await thief.evaluate(async (id) => {
      const res = await fetch(`/api/events/${id}/holds`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ seatIds: ["A-1-1"] }) });
      return { status: res.status, code: ((await res.json()) as { code: string }).code };
    }, eventId);
    expect(thiefHold).toEqual({ status: 401, code: "DPOP_REQUIRED" });
    await thief.context().close();

    // the original goes on: hold, reload, pay
    for (const id of ["A-1-3", "A-1-4"]) await page.locator(`#seat-${id}`).click();
    await page.getByRole("button", { name: "Hold these seats" }).click();
    await page.getByText(/Held for you for \d+:\d\d/).waitFor();
    await page.reload();
    await page.getByText(/Held for you for \d+:\d\d/).waitFor();
    await page.getByLabel("Card that is approved").check();
    await page.getByRole("button", { name: "Pay now" }).click();
    await page.getByRole("heading", { name: "You're going!" }).waitFor();
    const orderId = (await page.locator("#order-id").textContent())!;
    expect(await reservationsOf(stack.db, eventId)).toEqual([
      { seatId: "A-1-3", orderId },
      { seatId: "A-1-4", orderId },
    ]);
    expect(await policyViolations(page)).toEqual([]);
    await page.context().close();
  });

  test("the organiser sets device binding on the dashboard: MySQL and the queue state hold it, and the next fan's place is bound", async () => {
    const eventId = await stack.createEvent({ label: "bind-dash" });
    const dash = await fanPage(browser);
    await dash.goto(`${stack.edgeUrl}/organiser/events/${eventId}`);
    await dash.getByLabel("Admin key").fill(process.env.ADMIN_KEY!);
    await dash.getByRole("button", { name: "Open dashboard" }).click();
    await dash.locator("#dashboard").waitFor();
    const select = dash.getByLabel("Bind places to the fan's device");
    await dash.waitForFunction(() => (document.getElementById("device-binding") as HTMLSelectElement | null)?.value === "off");
    await select.selectOption("optional");
    await dash.getByRole("button", { name: "Set device binding" }).click();
    await dash.locator("#notice").filter({ hasText: "Device binding set to optional." }).waitFor();
    expect(await redis.hget(eventKeys(eventId).queueState, "deviceBinding")).toBe("optional");
    const [rows] = await stack.db.query("SELECT device_binding AS deviceBinding FROM waiting_rooms WHERE event_id = ?", [eventId]);
    expect(rows as unknown[]).toEqual([{ deviceBinding: "optional" }]);
    expect(await accessibilityProblems(dash)).toEqual([]);
    expect(await policyViolations(dash)).toEqual([]);
    await dash.context().close();

    const fan = await fanPage(browser);
    await fan.goto(`${stack.edgeUrl}/events/${eventId}`);
    await fan.locator("#map .seat").first().waitFor({ timeout: 30_000 });
    const token = (await fan.context().cookies()).find((c) => c.name === `cu_act_${eventId}`)!;
    expect(JSON.parse(Buffer.from(token.value.split(".")[1]!, "base64url").toString()).cnf.jkt).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await fan.context().close();
  });

  test("with a proof-of-work on as well, the page solves it and joins with both the solution and its key's proof: a real bound place", async () => {
    const eventId = await stack.createEvent({ label: "bound-pow", queue: { challenge: "pow" } });
    expect((await stack.admin("PATCH", `/admin/events/${eventId}/queue`, { deviceBinding: "required" })).status).toBe(200);
    expect((await stack.admin("POST", `/admin/events/${eventId}/queue/pause`)).status).toBe(200);
    const page = await fanPage(browser);
    const joins: Array<{ dpop: boolean; solution: boolean }> = [];
    page.on("request", (r) => {
      if (r.method() === "POST" && new URL(r.url()).pathname === `/queue/${eventId}/join`) {
        const h = r.headers();
        joins.push({ dpop: !!h.dpop, solution: !!h["x-challenge-solution"] });
      }
    });
    await page.goto(`${stack.edgeUrl}/events/${eventId}`);
    await page.getByText("The sale is paused. You keep your place.").waitFor({ timeout: 30_000 });
    expect(await page.locator("#position").textContent()).toBe("1");
    expect(joins).toEqual([{ dpop: true, solution: true }]);
    const k = eventKeys(eventId);
    expect(await redis.zcard(k.queue)).toBe(1);
    expect(await redis.zcard(k.challengeUsed)).toBe(1);
    const ticket = (await page.context().cookies()).find((c) => c.name === `cu_q_${eventId}`)!;
    expect(JSON.parse(Buffer.from(ticket.value.split(".")[1]!, "base64url").toString()).cnf.jkt).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // a reload keeps the place with the key's proof, without solving again
    await page.reload();
    await page.getByText("The sale is paused. You keep your place.").waitFor();
    expect(await page.locator("#position").textContent()).toBe("1");
    expect(await redis.zcard(k.challengeUsed)).toBe(1);
    expect(await policyViolations(page)).toEqual([]);
    await page.context().close();
  });

  test("the resume link opened in another browser binds the place to that browser's key: it claims there, and the first browser is told the place moved", async () => {
    const eventId = await stack.createEvent({ label: "bound-resume" });
    expect((await stack.admin("PATCH", `/admin/events/${eventId}/queue`, { deviceBinding: "required" })).status).toBe(200);
    expect((await stack.admin("POST", `/admin/events/${eventId}/queue/pause`)).status).toBe(200);
    const laptop = await fanPage(browser);
    await laptop.goto(`${stack.edgeUrl}/events/${eventId}`);
    await laptop.getByText("The sale is paused. You keep your place.").waitFor({ timeout: 30_000 });
    const laptopJkt = JSON.parse(Buffer.from((await laptop.context().cookies()).find((c) => c.name === `cu_q_${eventId}`)!.value.split(".")[1]!, "base64url").toString()).cnf.jkt;
    // the page's link is shown once its own join found the place (a reload of a bound page)
    await laptop.reload();
    await laptop.getByText("The sale is paused. You keep your place.").waitFor();
    await laptop.waitForFunction(() => (document.getElementById("resume-link") as HTMLAnchorElement | null)?.href.includes("/resume/"));
    const link = await laptop.locator("#resume-link").getAttribute("href");

    const phone = await fanPage(browser);
    await phone.goto(link!);
    await phone.locator("#move").click();
    await phone.getByText("The sale is paused. You keep your place.").waitFor({ timeout: 30_000 });
    expect(await phone.locator("#position").textContent()).toBe("1");
    const phoneJkt = JSON.parse(Buffer.from((await phone.context().cookies()).find((c) => c.name === `cu_q_${eventId}`)!.value.split(".")[1]!, "base64url").toString()).cnf.jkt;
    expect(phoneJkt).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(phoneJkt).not.toBe(laptopJkt);
    await laptop.getByText("moved to another device").first().waitFor({ timeout: 15_000 });
    expect(await policyViolations(phone)).toEqual([]);

    // the turn comes: the phone claims with its own key and reaches the seat map; the laptop cannot claim
    expect((await stack.admin("POST", `/admin/events/${eventId}/queue/resume`)).status).toBe(200);
    await phone.locator("#map .seat").first().waitFor({ timeout: 30_000 });
    const token = (await phone.context().cookies()).find((c) => c.name === `cu_act_${eventId}`)!;
    expect(JSON.parse(Buffer.from(token.value.split(".")[1]!, "base64url").toString()).cnf.jkt).toBe(phoneJkt);
    const laptopClaim = await laptop.evaluate(async (id) => (await fetch(`/queue/${id}/claim`, { method: "POST" })).status, eventId);
    expect(laptopClaim).toBeGreaterThanOrEqual(400);
    await laptop.context().close();
    await phone.context().close();
  });
});
