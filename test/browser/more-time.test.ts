/**
 * Accessible timing (WCAG 2.2.1 Timing Adjustable) in a real browser: the claim window's
 * countdown on the waiting page and the hold's countdown on the sale page each run longer
 * once with "I need more time"; the countdown moves by the extension and the button then
 * says the time was given. Screen readers are told in a polite live region, and seldom: the
 * test counts every change of the pages' live regions while the countdowns tick.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import type { Browser } from "playwright-core";
import { eventKeys } from "../../common/keys.ts";
import { en } from "../../edge/src/i18n/en.ts";
import { accessibilityProblems, fanPage, policyViolations, screenshot } from "./helpers/browser.ts";
import { redis, useBrowserStack, type Stack } from "./helpers/stack.ts";

const fixture = useBrowserStack();
let stack: Stack;
let browser: Browser;
beforeAll(() => {
  ({ stack, browser } = fixture);
});

const EXTENSION_SECONDS = 60;

/** "1:59" as seconds. */
const seconds = (mmss: string | null) => {
  const m = /(\d+):(\d\d)\s*$/.exec(mmss ?? "");
  if (!m) throw new Error(`not a countdown: ${JSON.stringify(mmss)}`);
  return Number(m[1]) * 60 + Number(m[2]);
};

/**
 * Records every change a screen reader would be told of: the text of a live region
 * (aria-live, role=status, role=alert) changed, with when. And lets the test put the tab
 * behind another one (the headless shell keeps every tab visible).
 */
async function watchedPage(): Promise<Page> {
  const page = await fanPage(browser);
  await page.addInitScript(() => {
    const said: Array<{ at: number; text: string }> = [];
    (window as unknown as { cuSaid: typeof said }).cuSaid = said;
    document.addEventListener("DOMContentLoaded", () => {
      new MutationObserver((records) => {
        const regions = new Set<Element>();
        for (const r of records) {
          const el = r.target.nodeType === Node.ELEMENT_NODE ? (r.target as Element) : r.target.parentElement;
          const region = el?.closest('[aria-live]:not([aria-live="off"]), [role="status"], [role="alert"]');
          if (region) regions.add(region);
        }
        for (const region of regions) if (region.textContent?.trim()) said.push({ at: Date.now(), text: region.textContent.trim() });
      }).observe(document.documentElement, { subtree: true, childList: true, characterData: true });
    });
    let hidden = false;
    const real = Object.getOwnPropertyDescriptor(Document.prototype, "visibilityState")!;
    Object.defineProperty(Document.prototype, "visibilityState", { get() { return hidden ? "hidden" : real.get!.call(this); } });
    (window as unknown as { cuBehind: (h: boolean) => void }).cuBehind = (h: boolean) => {
      hidden = h;
      document.dispatchEvent(new Event("visibilitychange"));
    };
  });
  return page;
}

const saidSince = (page: Page, since: number) =>
  page.evaluate((t) => (window as unknown as { cuSaid: Array<{ at: number; text: string }> }).cuSaid.filter((s) => s.at >= t).map((s) => s.text), since);

/** Waits until the countdown showed `ticks` more values (it ticks once a second). */
async function watchTicks(page: Page, selector: string, ticks: number): Promise<void> {
  await page.waitForFunction(
    ({ selector, ticks }) => {
      const w = window as unknown as { cuTicks?: { seen: Set<string>; start: string } };
      const text = document.querySelector(selector)?.textContent ?? "";
      if (!w.cuTicks) w.cuTicks = { seen: new Set(), start: text };
      w.cuTicks.seen.add(text);
      if (w.cuTicks.seen.size > ticks) {
        delete w.cuTicks;
        return true;
      }
      return false;
    },
    { selector, ticks },
    { polling: 100, timeout: 20_000 },
  );
}

describe("I need more time", () => {
  test("the claim countdown and the hold countdown each run longer once; the button then says so; announcements are polite and few", async () => {
    const eventId = await stack.createEvent({ label: "more-time", holdSeconds: 120, queue: { claimSeconds: 120, sessionSeconds: 900 } });
    const set = await stack.admin("PATCH", `/admin/events/${eventId}/queue`, { extensionSeconds: EXTENSION_SECONDS });
    expect(set.status).toBe(200);
    expect((await stack.admin("POST", `/admin/events/${eventId}/queue/pause`)).status).toBe(200);

    const page = await watchedPage();
    await page.goto(`${stack.edgeUrl}/events/${eventId}`);
    await page.getByText(en.live.paused).waitFor();
    const ticket = (await page.context().cookies()).find((c) => c.name === `cu_q_${eventId}`)!;
    const tid = JSON.parse(Buffer.from(ticket.value.split(".")[1]!, "base64url").toString()).tid as string;

    // the fan looks away; the turn comes and its claim window counts down
    await page.evaluate(() => (window as unknown as { cuBehind: (h: boolean) => void }).cuBehind(true));
    expect((await stack.admin("POST", `/admin/events/${eventId}/queue/resume`)).status).toBe(200);
    await page.getByRole("heading", { name: en.page.turnHeading }).waitFor({ timeout: 30_000 });
    const deadlineBefore = Number(await redis.zscore(eventKeys(eventId).admitted, tid));
    const more = page.getByRole("button", { name: en.page.moreTimeButton, exact: true });
    const shownBefore = seconds(await page.locator("#claim-left").textContent());
    expect(shownBefore).toBeGreaterThan(100);
    expect(shownBefore).toBeLessThanOrEqual(120);
    await more.click();
    const used = page.getByRole("button", { name: en.live.moreTimeUsed, exact: true });
    await used.waitFor();
    expect(await used.isDisabled()).toBe(true);
    expect(await page.locator("#announce").textContent()).toBe("You have 1:00 more to claim your turn.");
    const shownAfter = seconds(await page.locator("#claim-left").textContent());
    // the countdown moved by the extension (less the second or two the click took)
    expect(shownAfter - shownBefore).toBeGreaterThanOrEqual(EXTENSION_SECONDS - 3);
    expect(shownAfter - shownBefore).toBeLessThanOrEqual(EXTENSION_SECONDS);
    expect(Number(await redis.zscore(eventKeys(eventId).admitted, tid)) - deadlineBefore).toBe(EXTENSION_SECONDS * 1000);
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, "more-time-claim");

    // while the claim window counts down (3 ticks), screen readers are told nothing more
    const quietFrom = Date.now();
    await watchTicks(page, "#claim-left", 3);
    expect(await saidSince(page, quietFrom)).toEqual([]);

    // back: the turn is claimed; seats held; the hold's countdown
    await page.evaluate(() => (window as unknown as { cuBehind: (h: boolean) => void }).cuBehind(false));
    await page.locator("#map .seat.available").first().waitFor({ timeout: 30_000 });
    await page.locator("#map .seat.available").first().click();
    await page.getByRole("button", { name: "Hold these seats" }).click();
    await page.locator("#countdown").filter({ hasText: /^Held for you for \d:\d\d$/ }).waitFor();
    const holdFrom = Date.now();
    await watchTicks(page, "#countdown", 2);
    // the countdown is not a live region: ticking says nothing; holding was said once
    expect(await saidSince(page, holdFrom)).toEqual([]);

    const extend = page.getByRole("button", { name: "I need more time", exact: true });
    const holdBefore = seconds(await page.locator("#countdown").textContent());
    const announcedFrom = Date.now();
    await extend.click();
    const given = page.getByRole("button", { name: "More time given", exact: true });
    await given.waitFor();
    expect(await given.isDisabled()).toBe(true);
    const holdAfter = seconds(await page.locator("#countdown").textContent());
    expect(holdAfter - holdBefore).toBeGreaterThanOrEqual(EXTENSION_SECONDS - 3);
    expect(holdAfter - holdBefore).toBeLessThanOrEqual(EXTENSION_SECONDS);
    await page.locator("#message").filter({ hasText: /^You have 1:00 more\./ }).waitFor();
    expect(await page.locator("#message").getAttribute("aria-live")).toBe("polite");
    // a few more seconds of countdown: the extension was said once, nothing else
    await watchTicks(page, "#countdown", 3);
    const said = await saidSince(page, announcedFrom);
    expect(said.length).toBeLessThanOrEqual(1);
    expect(said[0]).toStartWith("You have 1:00 more.");
    await screenshot(page, "more-time-hold");
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(await policyViolations(page)).toEqual([]);
    await page.context().close();
  });
});
