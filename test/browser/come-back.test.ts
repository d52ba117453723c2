/**
 * Leaving and coming back, and being told when it is your turn, in a real browser (Chromium
 * via playwright-core) through the edge in workerd to the origin and Redis: a closed page
 * comes back minutes later to the same place, the resume link moves the place to another
 * browser and the first one is told, and a fan in a background tab gets the title, the chime
 * and the notification when the turn comes. Time away is simulated by setting the fan's
 * last-seen time in Redis minutes back, never by waiting.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { eventKeys } from "../../common/keys.ts";
import { accessibilityProblems, fanPage, policyViolations, screenshot } from "./helpers/browser.ts";
import { redis, useBrowserStack, type Stack } from "./helpers/stack.ts";

const fixture = useBrowserStack();
let stack: Stack;
let browser: Browser;
beforeAll(() => {
  ({ stack, browser } = fixture);
});

const ticketCookie = async (context: BrowserContext, eventId: string) => (await context.cookies()).find((c) => c.name === `cu_q_${eventId}`)!.value;
const ticketIdOf = (ticket: string): string => JSON.parse(Buffer.from(ticket.split(".")[1]!, "base64url").toString()).tid;

async function waitingFan(eventId: string, opts: { phone?: boolean } = {}): Promise<Page> {
  const page = await fanPage(browser, opts);
  await page.goto(`${stack.edgeUrl}/events/${eventId}`);
  await page.getByText("The sale is paused. You keep your place.").waitFor();
  return page;
}

/** Waits until `check` holds, polling Redis: the edge's shared reads run in workerd, where the test cannot see them. */
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

describe("leave and come back in a browser", () => {
  test("a page closed for 4 minutes comes back to the same place (the organiser keeps places 5 minutes)", async () => {
    // the edge's own default in this stack is 30 s: the event's setting is what keeps the place
    const eventId = await stack.createEvent({ label: "back", queue: { presenceGraceSeconds: 300 } });
    expect((await stack.admin("POST", `/admin/events/${eventId}/queue/pause`)).status).toBe(200);
    const first = await waitingFan(eventId);
    const leaver = await waitingFan(eventId);
    const watcher = await waitingFan(eventId);
    expect(await first.locator("#position").textContent()).toBe("1");
    const state = await first.context().storageState();
    const tid = ticketIdOf(await ticketCookie(first.context(), eventId));
    const leaverTid = ticketIdOf(await ticketCookie(leaver.context(), eventId));
    await first.context().close();
    await leaver.context().close();

    // four minutes away for the first fan, six for the other: the watcher's stream keeps the
    // edge's shared reads going, and the one that retires the six-minute fan has judged both
    const k = eventKeys(eventId);
    await redis.zadd(k.seen, "XX", Date.now() - 4 * 60_000, tid);
    await redis.zadd(k.seen, "XX", Date.now() - 6 * 60_000, leaverTid);
    await until(async () => (await redis.zscore(k.queue, leaverTid)) === null, "the edge to retire the fan away 6 minutes");
    expect(await redis.zscore(k.queue, tid)).toBe("1");
    await watcher.locator("#position").filter({ hasText: /^2$/ }).waitFor();

    const back = await (await browser.newContext({ storageState: state })).newPage();
    await back.goto(`${stack.edgeUrl}/events/${eventId}`);
    await back.getByText("The sale is paused. You keep your place.").waitFor();
    expect(await back.locator("#position").textContent()).toBe("1");
    await Promise.all([back.context().close(), watcher.context().close()]);
  });

  test("the resume link moves the place to a second browser, and the first one is told", async () => {
    const eventId = await stack.createEvent({ label: "resume" });
    expect((await stack.admin("POST", `/admin/events/${eventId}/queue/pause`)).status).toBe(200);
    await waitingFan(eventId); // someone ahead
    const laptop = await waitingFan(eventId);
    expect(await laptop.locator("#position").textContent()).toBe("2");
    const link = (await laptop.locator("#resume-link").textContent())!;
    expect(link).toStartWith(`${stack.edgeUrl}/queue/${eventId}/resume/`);
    expect(await laptop.locator("#resume-link").getAttribute("href")).toBe(link);
    // the QR code is drawn: dark and light modules on the canvas
    const shades = await laptop.locator("#resume-qr").evaluate((c: HTMLCanvasElement) => {
      const data = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
      let dark = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i]! < 128) dark++;
      return { dark, all: data.length / 4 };
    });
    expect(shades.dark).toBeGreaterThan(shades.all / 5);
    expect(shades.dark).toBeLessThan(shades.all * 0.8);
    await screenshot(laptop, "7-resume-link");
    expect(await accessibilityProblems(laptop)).toEqual([]);
    expect(await policyViolations(laptop)).toEqual([]);

    const phone = await fanPage(browser, { phone: true });
    await phone.goto(link);
    await phone.getByRole("heading", { name: "Move your place in line to this device?" }).waitFor();
    expect(await accessibilityProblems(phone)).toEqual([]);
    await phone.getByRole("button", { name: "Move my place here" }).click();
    await phone.getByText("The sale is paused. You keep your place.").waitFor();
    expect(await phone.locator("#position").textContent()).toBe("2");
    expect(await policyViolations(phone)).toEqual([]);

    await laptop.locator("#state").filter({ hasText: "Your place in line moved to another device" }).waitFor();
    expect(await laptop.locator("#notice").textContent()).toBe("This device no longer holds the place.");
    expect(await laptop.locator("#resume").count()).toBe(0);
    await screenshot(laptop, "8-place-moved");
    // a reload of the laptop says so too, and takes no new place
    await laptop.reload();
    await laptop.getByRole("heading", { name: "Your place moved to another device" }).waitFor();
    expect(await redis.zcard(eventKeys(eventId).queue)).toBe(2);
    await Promise.all([laptop.context().close(), phone.context().close()]);
  });
});

describe("told when it is your turn", () => {
  test("in a background tab the title changes, a chime plays and a notification shows; coming back claims the turn", async () => {
    const eventId = await stack.createEvent({ label: "told", queue: { claimSeconds: 120 } });
    expect((await stack.admin("POST", `/admin/events/${eventId}/queue/pause`)).status).toBe(200);
    const page = await fanPage(browser);
    const context = page.context();
    await context.grantPermissions(["notifications"]);
    // what the page asks of the browser, recorded: notifications shown and notes played
    await context.addInitScript(() => {
      const told: Array<{ title: string; body?: string }> = [];
      const notes: number[] = [];
      const w = window as unknown as { cuTold: typeof told; cuNotes: typeof notes };
      w.cuTold = told;
      w.cuNotes = notes;
      // a full Chromium shows real notifications once the context granted them (recorded as
      // they are made); the headless shell this suite may run on has no notification service
      // and says "denied" whatever the grant, so there the recorder stands in for it, saying
      // what the context granted
      const Real = window.Notification;
      const granted = Real.permission === "granted";
      class Recorded {
        static get permission() {
          return "granted";
        }
        static requestPermission() {
          return Promise.resolve("granted");
        }
        onclick: (() => void) | null = null;
        constructor(title: string, options?: NotificationOptions) {
          if (granted) new Real(title, options);
          told.push({ title, body: options?.body });
        }
        close() {}
      }
      Object.defineProperty(window, "Notification", { value: Recorded });
      // the headless shell keeps every tab visible: there a tab put behind another is made
      // hidden as a browser does (visibilityState, then the visibilitychange event)
      let hiddenByTest = false;
      const real = Object.getOwnPropertyDescriptor(Document.prototype, "visibilityState")!;
      Object.defineProperty(Document.prototype, "visibilityState", { get() { return hiddenByTest ? "hidden" : real.get!.call(this); } });
      Object.defineProperty(Document.prototype, "hidden", { get() { return this.visibilityState === "hidden"; } });
      (window as unknown as { cuBehind: (hidden: boolean) => void }).cuBehind = (hidden: boolean) => {
        hiddenByTest = hidden;
        document.dispatchEvent(new Event("visibilitychange"));
      };
      const create = AudioContext.prototype.createOscillator;
      AudioContext.prototype.createOscillator = function (this: AudioContext) {
        notes.push(this.currentTime);
        return create.call(this);
      };
    });
    await page.goto(`${stack.edgeUrl}/events/${eventId}`);
    await page.getByText("The sale is paused. You keep your place.").waitFor();
    // asked for politely: nothing on load, the button asks
    expect(await page.evaluate(() => (window as unknown as { cuTold: unknown[] }).cuTold.length)).toBe(0);
    await page.getByRole("button", { name: "Tell me when it is my turn" }).click();
    await page.locator("#notify-state").filter({ hasText: /./ }).waitFor();
    expect(await page.locator("#notify-state").textContent()).toBe("You will get a notification and a sound when it is your turn.");

    // the fan goes to another tab
    const other = await context.newPage();
    await other.goto(`${stack.edgeUrl}/healthz`);
    await other.bringToFront();
    const behind = (hidden: boolean) => page.evaluate((h) => (window as unknown as { cuBehind: (h: boolean) => void }).cuBehind(h), hidden);
    if ((await page.evaluate(() => document.visibilityState)) === "visible") await behind(true);
    expect(await page.evaluate(() => document.visibilityState)).toBe("hidden");

    expect((await stack.admin("POST", `/admin/events/${eventId}/queue/resume`)).status).toBe(200);
    await page.waitForFunction(() => /^Your turn! Claim within \d+:\d\d$/.test(document.title), undefined, { timeout: 30_000 });
    const told = await page.evaluate(() => (window as unknown as { cuTold: Array<{ title: string; body?: string }> }).cuTold);
    expect(told).toHaveLength(1);
    expect(told[0]!.title).toBe("It's your turn");
    expect(told[0]!.body).toMatch(/^Claim it within [12]:\d\d/);
    expect(await page.evaluate(() => (window as unknown as { cuNotes: number[] }).cuNotes.length)).toBe(2);
    expect(await page.locator("#claim-left").textContent()).toMatch(/^[12]:\d\d$/);
    expect(await page.locator("#announce").textContent()).toMatch(/It is your turn\. Claim it within/);
    // the turn waits for the fan: no claim yet
    expect(new URL(page.url()).pathname).toBe(`/events/${eventId}`);
    expect(await page.locator("#map").count()).toBe(0);
    await screenshot(page, "9-your-turn");
    expect(await accessibilityProblems(page)).toEqual([]);

    // back to the tab: the page claims the turn and moves to the seat map
    await page.bringToFront();
    await behind(false);
    await page.locator("#map .seat").first().waitFor({ timeout: 30_000 });
    expect(await policyViolations(page)).toEqual([]);
    await context.close();
  });
});
