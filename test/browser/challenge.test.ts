/**
 * The proof-of-work before a new place, in a real browser (Chromium via playwright-core)
 * through the edge in workerd to the origin: the waiting page solves the challenge in a
 * Web Worker and joins with no action of the fan's, and the place it gets is a real one.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import type { Browser } from "playwright-core";
import { eventKeys } from "../../common/keys.ts";
import { accessibilityProblems, fanPage, policyViolations, screenshot } from "./helpers/browser.ts";
import { redis, useBrowserStack, type Stack } from "./helpers/stack.ts";

const fixture = useBrowserStack();
let stack: Stack;
let browser: Browser;
beforeAll(() => {
  ({ stack, browser } = fixture);
});

describe("a challenge before a new place, in a browser", () => {
  test("with a proof-of-work on, the page solves it by itself in a Web Worker and joins: a real place in line, then the sale", async () => {
    const eventId = await stack.createEvent({ label: "pow", queue: { challenge: "pow", challengeFailure: "infinite" } });
    expect((await stack.admin("POST", `/admin/events/${eventId}/queue/pause`)).status).toBe(200);

    const page = await fanPage(browser);
    const workers: string[] = [];
    page.on("worker", (w) => workers.push(new URL(w.url()).pathname));
    // the challenge is held back a moment, so the page is seen while it checks
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    await page.route("**/queue/*/challenge*", async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(`${stack.edgeUrl}/events/${eventId}`);
    await page.getByText("Checking your browser before giving you a place.").waitFor();
    await screenshot(page, "challenge-checking");
    expect(await redis.zcard(eventKeys(eventId).queue)).toBe(0);
    release();
    // nobody clicks anything: the page checks the browser, joins and shows the place
    await page.getByText("The sale is paused. You keep your place.").waitFor({ timeout: 30_000 });
    expect(await page.locator("#position").textContent()).toBe("1");
    expect(await page.locator("#state").textContent()).toMatch(/^You are in line\./);
    expect(workers.some((p) => /^\/assets\/pow-worker-[0-9a-f]{8}\.js$/.test(p))).toBe(true);
    expect(Number(await page.evaluate(() => document.body.dataset.solvedInMs))).toBeGreaterThanOrEqual(0);
    await screenshot(page, "challenge-waiting-room");
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(await policyViolations(page)).toEqual([]);

    // a real place, not the infinite queue: the ticket is in the line, and one solution was spent
    const k = eventKeys(eventId);
    expect(await redis.zcard(k.queue)).toBe(1);
    expect(await redis.zcard(k.challengeUsed)).toBe(1);

    // a reload keeps the place without solving again
    await page.reload();
    await page.getByText("The sale is paused. You keep your place.").waitFor();
    expect(await page.locator("#position").textContent()).toBe("1");
    expect(await redis.zcard(k.challengeUsed)).toBe(1);

    // admissions resume: the page claims the turn and moves to the seat map by itself
    expect((await stack.admin("POST", `/admin/events/${eventId}/queue/resume`)).status).toBe(200);
    await page.locator("#map .seat").first().waitFor({ timeout: 30_000 });
  });
});
