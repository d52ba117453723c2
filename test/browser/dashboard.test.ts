/**
 * The organiser dashboard in a real browser, through the edge in workerd to the origin:
 * it asks for the admin key, draws its live charts, and its Pause button stops admissions;
 * its sale report shows the fans of the sale and downloads the report signed by the edge.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { createRemoteJWKSet, flattenedVerify } from "jose";
import type { Browser } from "playwright-core";
import { eventKeys } from "../../common/keys.ts";
import { accessibilityProblems, fanPage, policyViolations, screenshot, screenshotOf } from "./helpers/browser.ts";
import { redis, useBrowserStack, type Stack } from "./helpers/stack.ts";

const fixture = useBrowserStack();
let stack: Stack;
let browser: Browser;
beforeAll(() => {
  ({ stack, browser } = fixture);
});

/** Fans joining through the edge, each with a ticket of their own (no browser needed for the crowd). */
async function crowd(eventId: string, count: number): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const res = await fetch(`${stack.edgeUrl}/queue/${eventId}/join`, { method: "POST", headers: { "x-forwarded-for": `198.51.100.${i + 1}` } });
      // a refusal says why (its code and message) in the failure
      if (res.status >= 300) expect({ status: res.status, body: await res.text() }).toEqual({ status: 201, body: "a place" });
    }),
  );
}

const admittedSoFar = async (eventId: string) => Number(await redis.get(eventKeys(eventId).serving));

/** Waits (up to 20 s, the scheduler runs each second) until the event has admitted more fans than `since`. */
async function admissionsGoOn(eventId: string, since: number): Promise<void> {
  let now = since;
  for (const until = Date.now() + 20_000; now <= since && Date.now() < until; now = await admittedSoFar(eventId)) await Bun.sleep(200);
  expect(now).toBeGreaterThan(since);
}

/** The event's dashboard, opened with the admin key; `status`: wait until the dashboard shows the sale in that state. */
async function signedIn(eventId: string, status?: string) {
  const page = await fanPage(browser);
  await page.goto(`${stack.edgeUrl}/organiser/events/${eventId}`);
  await page.getByLabel("Admin key").fill(process.env.ADMIN_KEY!);
  await page.getByRole("button", { name: "Open dashboard" }).click();
  await page.locator("#dashboard").waitFor();
  if (status) await page.locator("#s-status").filter({ hasText: status }).waitFor();
  return page;
}

describe("organiser dashboard in a browser", () => {
  test("a wrong key is refused; the right key shows live charts, and admissions run at the set rate while the page watches", async () => {
    const eventId = await stack.createEvent({ label: "dash", queue: { rate: 2, maxActive: 1000 } });
    await crowd(eventId, 40);

    const page = await fanPage(browser);
    await page.goto(`${stack.edgeUrl}/organiser/events/${eventId}`);
    await page.getByLabel("Admin key").fill("not-the-key");
    await page.getByRole("button", { name: "Open dashboard" }).click();
    await page.locator("#error").filter({ hasText: /key/i }).waitFor();
    expect(await page.locator("#dashboard").isHidden()).toBe(true);

    await page.getByLabel("Admin key").fill(process.env.ADMIN_KEY!);
    await page.getByRole("button", { name: "Open dashboard" }).click();
    await page.locator("#dashboard").waitFor();
    await page.locator("#s-status").filter({ hasText: "open" }).waitFor();
    // uPlot draws each chart on a canvas, and keeps adding the samples the leader takes each second
    await page.waitForFunction(() => document.querySelectorAll(".chart canvas").length >= 4, undefined, { timeout: 10_000 });
    await page.waitForFunction(() => Number(document.getElementById("s-waiting")?.textContent?.replace(/\D/g, "")) > 0, undefined, { timeout: 10_000 });
    expect(await page.locator(".chart").count()).toBeGreaterThanOrEqual(4);
    for (const chart of await page.locator(".chart").all()) {
      expect(await chart.getAttribute("aria-label")).toBeTruthy();
      expect(await chart.locator("canvas").count()).toBe(1);
    }
    await admissionsGoOn(eventId, await admittedSoFar(eventId));
    await screenshot(page, "6-dashboard");
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(await policyViolations(page)).toEqual([]);
    await page.context().close();
  });

  test("Pause stops admissions at once and Resume starts them again", async () => {
    const eventId = await stack.createEvent({ label: "dash-pause", queue: { rate: 2, maxActive: 1000 } });
    await crowd(eventId, 40);
    const page = await signedIn(eventId, "open");
    await admissionsGoOn(eventId, await admittedSoFar(eventId));

    await page.getByRole("button", { name: "Pause" }).click();
    await page.locator("#s-status").filter({ hasText: "paused" }).waitFor();
    expect(await redis.hget(eventKeys(eventId).queueState, "status")).toBe("paused");
    const paused = await admittedSoFar(eventId);
    await Bun.sleep(2_000);
    expect(await admittedSoFar(eventId)).toBe(paused);

    await page.getByRole("button", { name: "Resume" }).click();
    await page.locator("#s-status").filter({ hasText: "open" }).waitFor();
    await admissionsGoOn(eventId, paused);
    await page.context().close();
  });

  test("the rate, away-time and ticket-limit controls reach what the scheduler, the edge and the hold script read", async () => {
    const eventId = await stack.createEvent({ label: "dash-controls", queue: { rate: 2, maxActive: 1000 } });
    const page = await signedIn(eventId, "open");
    // the rate control changes what the scheduler aims for
    await page.getByLabel("Admission rate (fans per second)").fill("7");
    await page.getByRole("button", { name: "Set rate" }).click();
    await page.locator("#s-ceiling").filter({ hasText: "7" }).waitFor();
    expect(await redis.hget(eventKeys(eventId).queueState, "rate")).toBe("7");

    // how long a waiting fan may be away and keep the place: this stack's 30 s until the organiser sets it
    await page.locator("#grace[placeholder='0.5']").waitFor();
    await page.getByLabel(/Away time kept/).fill("12");
    await page.getByRole("button", { name: "Set away time" }).click();
    await page.locator("#notice").filter({ hasText: "Waiting fans may now be away 12 minutes and keep their place." }).waitFor();
    expect(await redis.hget(eventKeys(eventId).queueState, "presenceGraceSeconds")).toBe("720");
    expect((await stack.admin("GET", `/admin/events/${eventId}/queue`)).body.settings.presenceGraceSeconds).toBe(720);
    // the per-customer ticket limit reaches the hold script's settings; an empty field lifts it
    await page.getByLabel(/Tickets per customer/).fill("6");
    await page.getByRole("button", { name: "Set ticket limit" }).click();
    await page.locator("#notice").filter({ hasText: "up to 6 tickets" }).waitFor();
    expect(await redis.hget(eventKeys(eventId).config, "customerLimit")).toBe("6");
    await page.getByLabel(/Tickets per customer/).fill("");
    await page.getByRole("button", { name: "Set ticket limit" }).click();
    await page.locator("#notice").filter({ hasText: "No limit" }).waitFor();
    expect(await redis.hget(eventKeys(eventId).config, "customerLimit")).toBeNull();
    await page.context().close();
  });

  test("the organiser sets the challenge before a new place and what a failed one gets; the admin API and the queue state the edge reads say the same", async () => {
    const eventId = await stack.createEvent({ label: "dash-challenge", queue: { rate: 2 } });
    const page = await signedIn(eventId, "open");
    expect(await page.getByLabel("Challenge before a new place").inputValue()).toBe("off");

    await page.getByLabel("Challenge before a new place").selectOption("pow");
    await page.getByLabel("A failed or missing challenge gets").selectOption("infinite");
    await page.getByRole("button", { name: "Set challenge" }).click();
    await page.locator("#notice").filter({ hasText: "infinite queue" }).waitFor();
    expect(await redis.hmget(eventKeys(eventId).queueState, "challenge", "challengeFailure")).toEqual(["pow", "infinite"]);
    expect((await stack.admin("GET", `/admin/events/${eventId}/queue`)).body.settings).toMatchObject({ challenge: "pow", challengeFailure: "infinite" });

    await page.getByLabel("Challenge before a new place").selectOption("turnstile");
    await page.getByLabel("A failed or missing challenge gets").selectOption("refuse");
    await page.getByRole("button", { name: "Set challenge" }).click();
    await page.locator("#notice").filter({ hasText: "refused" }).waitFor();
    expect(await redis.hmget(eventKeys(eventId).queueState, "challenge", "challengeFailure")).toEqual(["turnstile", "refuse"]);
    // a reload shows what is set
    await page.reload();
    await page.locator("#s-status").filter({ hasText: "open" }).waitFor();
    await page.waitForFunction(() => (document.getElementById("challenge") as HTMLSelectElement | null)?.value === "turnstile");
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.context().close();
  });

  test("the organiser sets the sale's closing time in their own time zone; the admin API and the queue state hold that instant; emptying the field takes it away", async () => {
    const eventId = await stack.createEvent({ label: "dash-closes", queue: { rate: 2 } });
    const context = await browser.newContext({ timezoneId: "Asia/Seoul" });
    const page = await context.newPage();
    await page.goto(`${stack.edgeUrl}/organiser/events/${eventId}`);
    await page.getByLabel("Admin key").fill(process.env.ADMIN_KEY!);
    await page.getByRole("button", { name: "Open dashboard" }).click();
    await page.locator("#s-status").filter({ hasText: "open" }).waitFor();
    const field = page.getByLabel("Sale closes at, your local time (empty: no closing time)");
    expect(await field.inputValue()).toBe("");

    // 21:30 in Seoul (UTC+9) is 12:30 UTC
    await field.fill("2031-06-01T21:30");
    await page.getByRole("button", { name: "Set closing time" }).click();
    await page.locator("#notice").filter({ hasText: "The sale closes at" }).waitFor();
    expect((await stack.admin("GET", `/admin/events/${eventId}/queue`)).body.settings.closesAt).toBe("2031-06-01T12:30:00.000Z");
    expect(Number(await redis.hget(eventKeys(eventId).queueState, "closesAt"))).toBe(Date.parse("2031-06-01T12:30:00.000Z"));
    // a fan in Seoul, waiting behind a crowd, sees the closing time on the waiting page in their own time
    await crowd(eventId, 40);
    const fan = await context.newPage();
    await fan.goto(`${stack.edgeUrl}/events/${eventId}`);
    await fan.locator("#closes-line").filter({ hasText: "GMT+9" }).waitFor();
    expect(await fan.locator("#closes-line").textContent()).toMatch(/^The sale closes Sunday, June 1, 2031(,| at) 9:30\sPM GMT\+9\.$/);
    expect(await fan.locator("#closes-warning").isHidden()).toBe(true);
    expect(await accessibilityProblems(fan)).toEqual([]);
    expect(await policyViolations(fan)).toEqual([]);
    await screenshot(fan, "closes-at");
    await fan.close();
    // a reload shows it again, in the organiser's time
    await page.reload();
    await page.locator("#s-status").filter({ hasText: "open" }).waitFor();
    await page.waitForFunction(() => (document.getElementById("closes-at") as HTMLInputElement | null)?.value === "2031-06-01T21:30");

    await field.fill("");
    await page.getByRole("button", { name: "Set closing time" }).click();
    await page.locator("#notice").filter({ hasText: "No closing time" }).waitFor();
    expect((await stack.admin("GET", `/admin/events/${eventId}/queue`)).body.settings.closesAt).toBeNull();
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(await policyViolations(page)).toEqual([]);
    await context.close();
  });

  test("the organiser turns standby on with its thresholds and the queueing status code; the room then lets fans straight through and the dashboard says so", async () => {
    const eventId = await stack.createEvent({ label: "dash-standby", queue: { rate: 2 } });
    const page = await signedIn(eventId);
    await page.locator("#s-standby").filter({ hasText: "off" }).waitFor();

    // without thresholds the origin refuses, and the dashboard shows why
    await page.getByLabel("Queue only when needed", { exact: false }).check();
    await page.getByRole("button", { name: "Set standby" }).click();
    await page.locator("#error").filter({ hasText: "thresholds" }).waitFor();

    await page.getByLabel("Standby threshold: new fans per minute").fill("50");
    await page.getByLabel("Standby threshold: live sessions").fill("20");
    await page.getByLabel("Waiting page status while fans queue").selectOption("429");
    await page.getByRole("button", { name: "Set standby" }).click();
    await page.locator("#notice").filter({ hasText: "Standby on" }).waitFor();
    expect(await redis.hmget(eventKeys(eventId).queueState, "standby", "standbyNewPerMinute", "standbyActiveSessions", "queueingStatusCode")).toEqual(["1", "50", "20", "429"]);
    expect((await stack.admin("GET", `/admin/events/${eventId}/queue`)).body.settings).toMatchObject({ standby: true, standbyNewPerMinute: 50, standbyActiveSessions: 20, queueingStatusCode: 429 });
    await page.locator("#s-standby").filter({ hasText: "straight to the sale" }).waitFor();
    await screenshotOf(page.locator("section").filter({ has: page.getByRole("heading", { name: "Controls" }) }), "controls-panel");
    const join = await fetch(`${stack.edgeUrl}/queue/${eventId}/join`, { method: "POST", headers: { "x-forwarded-for": "198.51.100.7" } });
    expect(((await join.json()) as { admitted: boolean }).admitted).toBe(true);
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.context().close();
  });

  test("the link bun run dev prints (key after #) opens the dashboard signed in; the key leaves the address bar and no request carries it but as the admin key", async () => {
    const eventId = await stack.createEvent({ label: "dash-link" });
    const key = process.env.ADMIN_KEY!;
    const page = await fanPage(browser);
    const leaks: string[] = [];
    page.on("request", (req) => {
      const headers = req.headers();
      for (const [name, value] of Object.entries({ url: req.url(), referer: headers.referer ?? "" })) if (value.includes(key)) leaks.push(`${name} of ${req.url()}`);
      if (headers.authorization && !req.url().includes("/admin/")) leaks.push(`authorization to ${req.url()}`);
    });
    await page.goto(`${stack.edgeUrl}/organiser/events/${eventId}#key=${encodeURIComponent(key)}`);
    await page.locator("#s-status").filter({ hasText: "open" }).waitFor();
    expect(await page.locator("#key-section").isHidden()).toBe(true);
    expect(page.url()).toBe(`${stack.edgeUrl}/organiser/events/${eventId}`);
    expect(leaks).toEqual([]);
    // stored as a typed key is: a reload stays signed in, Forget key signs out
    await page.reload();
    await page.locator("#s-status").filter({ hasText: "open" }).waitFor();
    await page.getByRole("button", { name: "Forget key" }).click();
    await page.getByLabel("Admin key").waitFor();

    // a link with a wrong key pasted into the same tab (no reload, only the fragment changes) is
    // refused like a typed key, and does not stay in the address bar either
    await page.goto(`${stack.edgeUrl}/organiser/events/${eventId}#key=not-the-key`);
    await page.locator("#error").filter({ hasText: /key/i }).waitFor();
    expect(await page.locator("#dashboard").isHidden()).toBe(true);
    expect(page.url()).not.toContain("#");
    await page.context().close();
  });

  test("a restore after a Redis loss is shown: full or partial, when, and how many fans were put back", async () => {
    const eventId = await stack.createEvent({ label: "dash-restore" });
    const page = await fanPage(browser);
    // the fields the origin's dashboard answer carries after a restore, added to its real answer
    const restoredAt = Date.now() - 30_000;
    await page.route(`**/admin/events/${eventId}/dashboard*`, async (route) => {
      const res = await route.fetch();
      const body = await res.json();
      body.queue = { ...body.queue, restoredAt, restoreKind: "partial", replacedTotal: 283 };
      await route.fulfill({ response: res, json: body });
    });
    await page.goto(`${stack.edgeUrl}/organiser/events/${eventId}`);
    await page.getByLabel("Admin key").fill(process.env.ADMIN_KEY!);
    await page.keyboard.press("Enter");
    const tile = page.locator("#s-restore");
    await tile.filter({ hasText: "283 fans put back" }).waitFor({ timeout: 10_000 });
    expect(await tile.textContent()).toBe(`Partial loss, ${await page.evaluate((t) => new Date(t).toLocaleTimeString(), restoredAt)}; 283 fans put back`);
    expect(await page.getByText("Line restored after a Redis loss").isVisible()).toBe(true);
    expect(await accessibilityProblems(page)).toEqual([]);
    // the dashboard keeps polling: a poll still inside the route when the page closes is let go
    await page.unrouteAll({ behavior: "ignoreErrors" });
    await page.context().close();
  });

  test("the sale report shows who joined, and its signed download verifies against the edge's JWKS", async () => {
    const eventId = await stack.createEvent({ label: "dash-report", queue: { rate: 1, maxActive: 1000 } });
    await crowd(eventId, 12);
    const page = await signedIn(eventId);
    await page.locator("#report-body").waitFor();
    await page.getByRole("button", { name: "Refresh report" }).click();
    const joined = page.locator("#report-summary div").filter({ hasText: "Joined the line" }).locator("dd");
    await joined.filter({ hasText: "12" }).waitFor();
    expect(await page.locator("#deciles-body tr").count()).toBe(10);
    await screenshotOf(page.locator("section").filter({ has: page.getByRole("heading", { name: "Sale report" }) }), "report-panel");
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(await policyViolations(page)).toEqual([]);

    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download signed" }).click()]);
    const signed = JSON.parse(await Bun.file((await download.path())!).text());
    const verified = await flattenedVerify(signed, createRemoteJWKSet(new URL(`${stack.edgeUrl}/.well-known/jwks.json`)));
    expect(JSON.parse(new TextDecoder().decode(verified.payload))).toMatchObject({ eventId, fans: { joined: 12 } });
    await page.context().close();
  });

  test("the waiting list panel counts entries waiting, offers open and offers taken, and shows the head of the list", async () => {
    // two seats, closed as sold out: the first two entries are offered one each, the third waits
    const eventId = await stack.createEvent({ label: "dash-waitlist", rows: 1, seatsPerRow: 1 });
    expect((await stack.admin("POST", `/admin/events/${eventId}/queue/close`, { reason: "soldout" })).status).toBe(200);
    const tickets: string[] = [];
    for (let i = 0; i < 3; i++) {
      let res: Response | undefined;
      // 503 RESTORING until the leader has checked the list against MySQL on this Redis run
      for (let tries = 0; tries < 100 && (!res || res.status === 503); tries++) {
        if (res) await Bun.sleep(100);
        res = await fetch(`${stack.edgeUrl}/queue/${eventId}/waitlist`, { method: "POST", headers: { "content-type": "application/json", "x-forwarded-for": `198.51.100.${i + 1}` }, body: JSON.stringify({ quantity: 1, ...(i === 2 ? { contact: "c@example.org" } : {}) }) });
      }
      expect(res!.status).toBe(201);
      tickets.push(((await res!.json()) as { ticket: string }).ticket);
    }
    const entry = async (ticket: string) => (await (await fetch(`${stack.edgeUrl}/queue/${eventId}/waitlist`, { headers: { "x-queue-ticket": ticket } })).json()) as { state: string };
    for (const ticket of tickets.slice(0, 2)) {
      for (let i = 0; i < 150 && (await entry(ticket)).state !== "offered"; i++) await Bun.sleep(200);
      expect((await entry(ticket)).state).toBe("offered");
    }
    const claimed = await fetch(`${stack.edgeUrl}/queue/${eventId}/claim`, { method: "POST", headers: { "x-queue-ticket": tickets[0]! } });
    expect(claimed.status).toBe(200);

    const page = await signedIn(eventId);
    await page.getByRole("heading", { name: "Waiting list" }).waitFor();
    // the claim reaches MySQL on the leader's next tick; the panel reads it every few seconds
    await page.locator("#wl-taken").filter({ hasText: /^1$/ }).waitFor({ timeout: 20_000 });
    expect(await page.locator("#wl-waiting").textContent()).toBe("1");
    expect(await page.locator("#wl-offered").textContent()).toBe("1");
    const rows = await page.locator("#wl-head tr").allTextContents();
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/^21anyoffered, until .+no$/);
    expect(rows[1]).toBe("31anywaitingyes");
    expect(await page.locator("#wl-empty").isHidden()).toBe(true);
    await screenshotOf(page.locator("section").filter({ has: page.getByRole("heading", { name: "Waiting list" }) }), "waitlist-panel");
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(await policyViolations(page)).toEqual([]);
    await page.context().close();
  });

  test("the dashboard fits a phone-sized screen", async () => {
    const eventId = await stack.createEvent({ label: "dash-phone" });
    const page = await fanPage(browser, { phone: true });
    await page.goto(`${stack.edgeUrl}/organiser/events/${eventId}`);
    await page.getByLabel("Admin key").fill(process.env.ADMIN_KEY!);
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.querySelectorAll(".chart canvas").length >= 4, undefined, { timeout: 10_000 });
    // nothing wider than the screen: no sideways scrolling
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, "dashboard-phone");
    await page.context().close();
  });
});
