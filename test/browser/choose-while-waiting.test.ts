/**
 * Choosing while waiting, in a real browser: a fan in line says they want 2 seats of a
 * tier, the waiting page shows that choice beside their chance, and when the turn comes
 * the page lands on the sale with 2 adjacent seats already held and their countdown; the fan
 * then changes one of them for another seat, and the hold keeps its deadline.
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

describe("choose while waiting", () => {
  test("a fan declares 2 seats while waiting, sees the choice and the chance, and lands on checkout with 2 adjacent seats held and a countdown", async () => {
    const eventId = await stack.createEvent({ label: "choose", queue: { choiceMarginSeats: 0 } });
    expect((await stack.admin("POST", `/admin/events/${eventId}/queue/pause`)).status).toBe(200);

    const page = await fanPage(browser);
    await page.goto(`${stack.edgeUrl}/events/${eventId}`);
    await page.getByText("The sale is paused. You keep your place.").waitFor();
    await page.getByRole("heading", { name: "Your seats, ready at your turn" }).waitFor();
    await page.getByLabel("Seats").selectOption("2");
    await page.getByLabel("Tier").selectOption("standard");
    await page.getByRole("button", { name: "Hold these at my turn" }).click();
    await page.getByText("At your turn: the best 2 seats of standard, held for you at once.").waitFor();
    // the chance at this place, from the leader's estimate (published within a second or two)
    await page.locator("#chance-line").waitFor({ state: "visible", timeout: 15_000 });
    expect(await page.locator("#chance").textContent()).toMatch(/%/);
    // the choice is in the status data too, and survives a reload
    const status = await page.evaluate(async (id) => (await fetch(`/queue/${id}/status`, { credentials: "same-origin" })).json(), eventId);
    expect(status.choice).toEqual({ quantity: 2, tier: "standard" });
    expect(status.tiersRunningOut).toEqual([]);
    await page.reload();
    await page.getByText("At your turn: the best 2 seats of standard, held for you at once.").waitFor();
    await screenshot(page, "choose-while-waiting");
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(await policyViolations(page)).toEqual([]);

    // the turn comes: the page claims it, the claim holds the seats, the sale opens on them
    expect((await stack.admin("POST", `/admin/events/${eventId}/queue/resume`)).status).toBe(200);
    await page.locator("#map .seat").first().waitFor({ timeout: 30_000 });
    await page.getByText(/Held for you for \d+:\d\d/).waitFor();
    const picked = ((await page.locator("#picked").textContent()) ?? "").match(/B-\d+-\d+/g) ?? [];
    expect(picked).toHaveLength(2);
    const [a, b] = picked.map((id) => id.split("-").map(Number).slice(1) as [number, number]);
    expect(a![0]).toBe(b![0]);
    expect(Math.abs(a![1] - b![1])).toBe(1);
    // Redis holds them for this fan's one hold
    const holders = await redis.mget(...picked.map((id) => eventKeys(eventId).seat(id)));
    expect(holders[0]).not.toBeNull();
    expect(holders[1]).toBe(holders[0]);
    await screenshot(page, "choose-while-waiting-held");

    // the fan changes one of the pre-held seats for another: the countdown keeps its deadline
    const holdsNow = async () => page.evaluate(async (id) => (await (await fetch(`/api/events/${id}/holds`, { credentials: "same-origin" })).json()).holds, eventId);
    const before = (await holdsNow())[0];
    const [dropped, keptSeat] = picked as [string, string];
    const wanted = ["B-3-1", "B-3-2", "B-3-3", "B-3-4"].find((id) => id !== dropped && id !== keptSeat)!;
    await page.getByRole("button", { name: "Change seats" }).click();
    await page.locator(`#seat-${dropped}`).click();
    await page.locator(`#seat-${wanted}`).click();
    await page.getByRole("button", { name: "Hold these instead" }).click();
    await page.getByText("Seats changed. They are held until the same time as before.").waitFor();
    const after = (await holdsNow())[0];
    expect(after.holdId).toBe(before.holdId);
    expect(after.expiresAt).toBe(before.expiresAt);
    expect([...after.seatIds].sort()).toEqual([keptSeat, wanted].sort());
    const [oldHolder, newHolder] = await redis.mget(eventKeys(eventId).seat(dropped), eventKeys(eventId).seat(wanted));
    expect(oldHolder).toBeNull();
    expect(newHolder).toBe(before.holdId);
    expect([...(((await page.locator("#picked").textContent()) ?? "").match(/B-\d+-\d+/g) ?? [])].sort()).toEqual([keptSeat, wanted].sort());
    await page.getByText(/Held for you for \d+:\d\d/).waitFor();
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(await policyViolations(page)).toEqual([]);
    await screenshot(page, "change-seats");
    await page.close();
  }, 90_000);
});
