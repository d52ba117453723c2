/**
 * One waiting room for several events, in a real browser through the edge to the origin:
 * the organiser sets what a room covers on the dashboard (and sees the origin's refusal beside
 * the field, and which room decides each cover), and a fan who opens a covered night's page
 * waits in the room's line, is admitted, and is brought back to that night's sale.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { eventKeys } from "../../common/keys.ts";
import { waitUntil } from "../kit/wait.ts";
import { accessibilityProblems, fanPage, policyViolations, screenshot, screenshotOf } from "./helpers/browser.ts";
import { redis, useBrowserStack, type Stack } from "./helpers/stack.ts";

const fixture = useBrowserStack();
let stack: Stack;
let browser: Browser;
beforeAll(() => {
  ({ stack, browser } = fixture);
});

async function signedIn(eventId: string, page?: Page): Promise<Page> {
  page ??= await fanPage(browser);
  await page.goto(`${stack.edgeUrl}/organiser/events/${eventId}`);
  await page.getByLabel("Admin key").fill(process.env.ADMIN_KEY!);
  await page.getByRole("button", { name: "Open dashboard" }).click();
  await page.locator("#dashboard").waitFor();
  return page;
}

const coversOf = async (room: string) => (await stack.admin("GET", `/admin/events/${room}/queue/covers`)).body;

/** Which room's line the edge puts a page of `eventId` in: the ticket cookie a page sets names it. */
async function lineOfPage(eventId: string): Promise<string | null> {
  const res = await fetch(`${stack.edgeUrl}/events/${eventId}`, { headers: { "x-forwarded-for": "198.51.100.250" }, redirect: "manual" });
  await res.body?.cancel();
  return /cu_q_([A-Za-z0-9_-]+)=/.exec(res.headers.get("set-cookie") ?? "")?.[1] ?? null;
}

describe("several events in one waiting room, in a browser", () => {
  test("what the organiser typed before the rooms panel loaded is kept, and is what the button sets", async () => {
    const host = await stack.createEvent({ label: "rooms-early" });
    const before = await stack.createEvent({ label: "rooms-early-a", noQueue: true });
    const typed = await stack.createEvent({ label: "rooms-early-b", noQueue: true });
    expect((await stack.admin("PUT", `/admin/events/${host}/queue/covers`, { events: [before], paths: [] })).status).toBe(200);
    const page = await fanPage(browser);
    // the panel's first read of the covers answers only once the organiser has typed
    let release = () => {};
    const typedFirst = new Promise<void>((r) => (release = r));
    await page.route(`**/admin/events/${host}/queue/covers`, async (route) => {
      if (route.request().method() === "GET") await typedFirst;
      await route.continue();
    });
    await signedIn(host, page);
    const events = page.getByLabel("Covered events (event ids, one a line)", { exact: true });
    await events.fill(typed);
    release();
    // the late answer drew the table, and left the field as typed
    await page.locator("#covers-body tr").filter({ hasText: before }).waitFor();
    expect(await events.inputValue()).toBe(typed);
    await page.getByRole("button", { name: "Set covered events and paths" }).click();
    await page.locator("#rooms-notice").filter({ hasText: "Covers set" }).waitFor();
    expect((await coversOf(host)).events).toEqual([{ value: typed, room: host }]);
    // set: the fields show what the origin holds again
    expect(await events.inputValue()).toBe(typed);
    await page.context().close();
  });

  test("the organiser sets the covered events and paths on the dashboard, sees a refusal beside its field, and which room decides each cover", async () => {
    const host = await stack.createEvent({ label: "rooms-dash" });
    const night2 = await stack.createEvent({ label: "rooms-dash-n2", noQueue: true });
    const ownRoom = await stack.createEvent({ label: "rooms-dash-own" });
    const page = await signedIn(host);
    await page.locator("#covers-empty").waitFor();
    const events = page.getByLabel("Covered events (event ids, one a line)", { exact: true });
    const paths = page.getByLabel("Covered paths (prefixes under /events/<id>/, one a line)", { exact: true });
    const set = page.getByRole("button", { name: "Set covered events and paths" });

    // the room's own event: the origin's refusal, beside the events field; nothing changed
    await events.fill(host);
    await set.click();
    await page.locator("#covered-events-problem").filter({ hasText: "own event" }).waitFor();
    expect(await events.getAttribute("aria-invalid")).toBe("true");
    expect(await page.locator("#covered-paths-problem").isHidden()).toBe(true);
    expect(await coversOf(host)).toEqual({ eventId: host, events: [], paths: [] });

    // a path that is not canonical: beside the paths field
    await events.fill(night2);
    await paths.fill(`/events/${night2}/../admin`);
    await set.click();
    await page.locator("#covered-paths-problem").filter({ hasText: "canonical" }).waitFor();
    expect(await paths.getAttribute("aria-invalid")).toBe("true");
    expect(await page.locator("#covered-events-problem").isHidden()).toBe(true);
    expect(await events.getAttribute("aria-invalid")).toBeNull();
    expect((await coversOf(host)).events).toEqual([]);
    expect(await accessibilityProblems(page)).toEqual([]);

    // a night of the tour, a path, and an event with a room of its own (which that room keeps)
    await events.fill(`${night2}\n${ownRoom}`);
    await paths.fill(`/events/${night2}/presale`);
    await set.click();
    await page.locator("#rooms-notice").filter({ hasText: "Covers set" }).waitFor();
    await page.locator("#rooms-notice").filter({ hasText: "1 of them another room decides now" }).waitFor();
    expect(await page.locator("#covered-paths-problem").isHidden()).toBe(true);
    expect(await coversOf(host)).toEqual({
      eventId: host,
      events: [
        { value: night2, room: host },
        { value: ownRoom, room: ownRoom },
      ],
      paths: [{ value: `/events/${night2}/presale`, room: host }],
    });
    const rows = await page.locator("#covers-body tr").allInnerTexts();
    expect(rows.map((r) => r.split("\t").map((c) => c.trim()))).toEqual([
      [night2, "Event", "this room"],
      [ownRoom, "Event", `${ownRoom} (that room's line wins it)`],
      [`/events/${night2}/presale`, "Path", "this room"],
    ]);
    expect(await page.locator("#covers-empty").isHidden()).toBe(true);
    // the edge follows: the night's page is in the room's line
    await waitUntil("the edge puts the covered night in the room's line", async () => (await lineOfPage(night2)) === host);
    await screenshotOf(page.locator("section[aria-labelledby=rooms-heading]"), "dashboard-rooms");
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(await policyViolations(page)).toEqual([]);

    // a reload shows what is set
    await page.reload();
    await page.locator("#covers-body tr").nth(2).waitFor();
    expect(await events.inputValue()).toBe(`${night2}\n${ownRoom}`);
    expect(await paths.inputValue()).toBe(`/events/${night2}/presale`);

    // emptied: the room covers only its own event again
    await events.fill("");
    await paths.fill("");
    await set.click();
    await page.locator("#rooms-notice").filter({ hasText: "covers only its own event" }).waitFor();
    expect(await coversOf(host)).toEqual({ eventId: host, events: [], paths: [] });
    await page.locator("#covers-empty").waitFor();
    await page.context().close();
  });

  test("a fan who opens a covered night waits in the room's line, is admitted, and is brought back to that night's sale", async () => {
    const host = await stack.createEvent({ label: "rooms-fan" });
    const night2 = await stack.createEvent({ label: "rooms-fan-n2", noQueue: true });
    expect((await stack.admin("PUT", `/admin/events/${host}/queue/covers`, { events: [night2] })).status).toBe(200);
    await waitUntil("the edge puts the covered night in the room's line", async () => (await lineOfPage(night2)) === host);
    expect((await stack.admin("POST", `/admin/events/${host}/queue/pause`)).status).toBe(200);
    const seqBefore = Number(await redis.get(eventKeys(host).seq));

    const page = await fanPage(browser);
    await page.goto(`${stack.edgeUrl}/events/${night2}`);
    await page.getByRole("heading", { name: "You are in the waiting room" }).waitFor();
    await page.getByText("The sale is paused. You keep your place.").waitFor();
    // the place is in the room's line: the room's event is on the page, the room's number taken
    expect(await page.locator("#event-name").textContent()).toBe("Browser test: rooms-fan");
    await page.locator("#position").filter({ hasText: /^\d+$/ }).waitFor();
    expect(Number(await redis.get(eventKeys(host).seq))).toBe(seqBefore + 1);
    expect(await redis.exists(eventKeys(night2).seq)).toBe(0);
    expect(new URL(page.url()).pathname).toBe(`/events/${night2}`);
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(await policyViolations(page)).toEqual([]);

    // admissions resume: the page claims the turn and goes back to the night it came by, not the room's
    expect((await stack.admin("POST", `/admin/events/${host}/queue/resume`)).status).toBe(200);
    await page.locator("#map .seat").first().waitFor({ timeout: 30_000 });
    expect(new URL(page.url()).pathname).toBe(`/events/${night2}`);
    await page.getByRole("heading", { name: "Browser test: rooms-fan-n2" }).waitFor();
    expect(await page.evaluate(() => document.body.dataset.eventId)).toBe(night2);
    const cookies = await page.context().cookies();
    expect(cookies.some((c) => c.name === `cu_act_${host}`)).toBe(true);
    await screenshot(page, "covered-night-sale");

    // the room's access holds the night's seats
    await page.locator("#seat-A-1-2").click();
    await page.getByRole("button", { name: "Hold these seats" }).click();
    await page.getByText(/Held for you for \d+:\d\d/).waitFor();
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(await policyViolations(page)).toEqual([]);
    await page.context().close();
  });
});
