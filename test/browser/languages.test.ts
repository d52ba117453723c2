/**
 * The waiting room in the fan's language, in a real browser (Chromium via playwright-core)
 * through the edge in workerd to the origin and Redis: a browser set to Korean sees the
 * page in Korean while it waits (the texts the stream changes too) and when its turn comes,
 * dates in its locale; the switcher changes the language and keeps the place; the sale
 * page that follows is in Korean too, its prices, counts and date through Intl. The
 * organiser's own page for a state, uploaded on the dashboard, is kept sanitised and shown
 * to the waiting fan with its placeholders kept up to date; a page for Korean readers beside
 * it is what a Korean browser sees.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import type { Browser } from "playwright-core";
import { en } from "../../edge/src/i18n/en.ts";
import { ko } from "../../edge/src/i18n/ko.ts";
import { accessibilityProblems, fanPage, policyViolations, screenshot } from "./helpers/browser.ts";
import { useBrowserStack, type Stack } from "./helpers/stack.ts";

const fixture = useBrowserStack();
let stack: Stack;
let browser: Browser;
beforeAll(() => {
  ({ stack, browser } = fixture);
});

describe("the waiting room in the fan's language", () => {
  test("a Korean browser waits and is admitted in Korean; the switcher shows English and back, keeping the place", async () => {
    const eventId = await stack.createEvent({ label: "korean" });
    expect((await stack.admin("POST", `/admin/events/${eventId}/queue/pause`)).status).toBe(200);
    const page = await fanPage(browser, { locale: "ko-KR" });
    await page.addInitScript(() => {
      // the headless shell keeps every tab visible: the test puts this one behind (see come-back.test.ts)
      let hidden = false;
      const real = Object.getOwnPropertyDescriptor(Document.prototype, "visibilityState")!;
      Object.defineProperty(Document.prototype, "visibilityState", { get() { return hidden ? "hidden" : real.get!.call(this); } });
      (window as unknown as { cuBehind: (h: boolean) => void }).cuBehind = (h: boolean) => {
        hidden = h;
        document.dispatchEvent(new Event("visibilitychange"));
      };
    });
    await page.goto(`${stack.edgeUrl}/events/${eventId}`);
    await page.getByRole("heading", { name: ko.page.heading }).waitFor();
    // written by the script from the stream: the paused notice and the state line
    await page.getByText(ko.live.paused).waitFor();
    await page.locator("#state").filter({ hasText: ko.live.inLineShort }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("ko-KR");
    expect(await page.title()).toBe("대기실: Browser test: korean");
    expect(await page.locator("#position").textContent()).toBe("1");
    expect(await page.locator("#wait").textContent()).toBe(ko.live.waitEstimating);
    expect(await page.locator(".event time").textContent()).toBe(
      await page.evaluate(() => new Intl.DateTimeFormat("ko-KR", { dateStyle: "full", timeStyle: "short" }).format(new Date("2031-06-01T19:30:00.000Z"))),
    );
    expect(await page.locator(".event time").textContent()).toContain("2031년 6월");
    await page.getByRole("button", { name: ko.page.notifyButton }).waitFor();
    await screenshot(page, "10-waiting-room-ko");
    expect(await accessibilityProblems(page)).toEqual([]);

    // the switcher: English, then Korean again, the same place all along
    await page.getByRole("link", { name: "English" }).click();
    await page.getByRole("heading", { name: en.page.heading }).waitFor();
    await page.getByText(en.live.paused).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("en");
    expect(await page.locator("#position").textContent()).toBe("1");
    // remembered without ?lang=
    await page.goto(`${stack.edgeUrl}/events/${eventId}`);
    await page.getByRole("heading", { name: en.page.heading }).waitFor();
    await page.getByRole("link", { name: "한국어" }).click();
    await page.getByRole("heading", { name: ko.page.heading }).waitFor();
    await page.getByText(ko.live.paused).waitFor();
    expect(await page.locator("#position").textContent()).toBe("1");

    // the fan looks away; the turn comes and is told in Korean
    await page.evaluate(() => (window as unknown as { cuBehind: (h: boolean) => void }).cuBehind(true));
    expect((await stack.admin("POST", `/admin/events/${eventId}/queue/resume`)).status).toBe(200);
    await page.getByRole("heading", { name: ko.page.turnHeading }).waitFor({ timeout: 30_000 });
    expect(await page.locator("#state").textContent()).toBe(ko.live.yourTurn);
    expect(await page.title()).toMatch(/^내 차례! [12]:\d\d 안에 입장$/);
    expect(await page.locator("#announce").textContent()).toMatch(/^회원님의 차례입니다\. [12]:\d\d 안에 입장해 주세요\.$/);
    await page.getByRole("button", { name: ko.page.claimButton }).waitFor();
    await screenshot(page, "11-your-turn-ko");
    expect(await accessibilityProblems(page)).toEqual([]);

    // back: the page claims the turn and moves to the seat map, in Korean too
    await page.evaluate(() => (window as unknown as { cuBehind: (h: boolean) => void }).cuBehind(false));
    await page.locator("#map .seat").first().waitFor({ timeout: 30_000 });
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("ko-KR");
    await page.getByRole("button", { name: ko.sale.holdButton }).waitFor();
    // numbers, prices and the date through Intl in the fan's locale
    const intl = await page.evaluate(() => ({
      price: new Intl.NumberFormat("ko-KR", { style: "currency", currency: "EUR" }).format(95),
      date: new Intl.DateTimeFormat("ko-KR", { dateStyle: "full", timeStyle: "short" }).format(new Date("2031-06-01T19:30:00.000Z")),
    }));
    expect(await page.locator("#map h3").first().textContent()).toBe(`A구역 \u00b7 front ${intl.price}`);
    expect(await page.locator("#venue").textContent()).toBe(`Test Hall \u00b7 ${intl.date}`);
    expect(await page.locator("#counts").textContent()).toBe("선택 가능 48석, 선점됨 0석, 판매됨 0석");
    await page.locator("#map .seat.available").first().click();
    await page.getByRole("button", { name: ko.sale.holdButton }).click();
    await page.locator("#countdown").filter({ hasText: /^선점 남은 시간 \d:\d\d$/ }).waitFor();
    await page.locator("#message").filter({ hasText: ko.sale.seatsHeld }).waitFor();
    expect(await page.getByRole("button", { name: ko.sale.payButton }).isVisible()).toBe(true);
    await screenshot(page, "13-sale-ko");
    expect(await accessibilityProblems(page)).toEqual([]);
    // the switcher on the sale page: English, the hold kept
    await page.getByRole("link", { name: "English" }).click();
    await page.getByRole("button", { name: en.sale.payButton }).waitFor();
    await page.locator("#countdown").filter({ hasText: /^Held for you for \d:\d\d$/ }).waitFor();
    expect(await policyViolations(page)).toEqual([]);
    await page.context().close();
  });

  test("a page the organiser typed before the pages panel loaded is kept, and is what Save page saves", async () => {
    const eventId = await stack.createEvent({ label: "fan-pages-early" });
    expect((await stack.admin("PUT", `/admin/events/${eventId}/page-templates/waiting`, { html: "<p>The page kept before.</p>" })).status).toBe(200);
    const page = await fanPage(browser);
    // the panel's first read of the pages answers only once the organiser has typed
    let release = () => {};
    const typedFirst = new Promise<void>((r) => (release = r));
    await page.route(`**/admin/events/${eventId}/page-templates`, async (route) => {
      if (route.request().method() === "GET") await typedFirst;
      await route.continue();
    });
    await page.goto(`${stack.edgeUrl}/organiser/events/${eventId}`);
    await page.getByLabel("Admin key").fill(process.env.ADMIN_KEY!);
    await page.getByRole("button", { name: "Open dashboard" }).click();
    await page.locator("#dashboard").waitFor();
    const loaded = page.waitForResponse((r) => r.url().endsWith(`/admin/events/${eventId}/page-templates`) && r.request().method() === "GET");
    await page.getByLabel("Page HTML").fill("<p>Typed while the panel loaded.</p>");
    release();
    await loaded;
    // the late answer is in: the preview link of the kept page shows, the typed text stays
    await page.getByRole("link", { name: "Preview" }).waitFor();
    expect(await page.getByLabel("Page HTML").inputValue()).toBe("<p>Typed while the panel loaded.</p>");
    await page.getByRole("button", { name: "Save page" }).click();
    await page.locator("#pages-notice").filter({ hasText: "Page saved: fans see it" }).waitFor();
    const kept = (await stack.admin("GET", `/admin/events/${eventId}/page-templates`)).body.templates as Array<{ kind: string; html: string }>;
    expect(kept.find((t) => t.kind === "waiting")?.html).toBe("<p>Typed while the panel loaded.</p>");
    await page.context().close();
  });

  test("the organiser uploads a paused page on the dashboard (its script removed), previews it, and a waiting fan sees it with their position", async () => {
    const eventId = await stack.createEvent({ label: "fan-pages" });
    expect((await stack.admin("POST", `/admin/events/${eventId}/queue/pause`)).status).toBe(200);
    const page = await fanPage(browser);
    await page.goto(`${stack.edgeUrl}/organiser/events/${eventId}`);
    await page.getByLabel("Admin key").fill(process.env.ADMIN_KEY!);
    await page.getByRole("button", { name: "Open dashboard" }).click();
    await page.locator("#s-status").filter({ hasText: "paused" }).waitFor();
    await page.getByLabel("State").selectOption("paused");
    await page.getByLabel("Page HTML").fill(`<h2 onclick="alert(1)">{{eventName}} takes a short break</h2><p>You stay number {{position}}.</p><script>alert(2)</script>`);
    await page.getByRole("button", { name: "Save page" }).click();
    await page.locator("#pages-notice").filter({ hasText: "was removed" }).waitFor();
    expect(await page.getByLabel("Page HTML").inputValue()).toBe(`<h2>{{eventName}} takes a short break</h2><p>You stay number {{position}}.</p>`);
    const previewPath = await page.getByRole("link", { name: "Preview" }).getAttribute("href");
    expect(previewPath).toBe(`/events/${eventId}/preview/paused`);
    // a page for Korean readers beside it: the default one stays
    await page.getByLabel("Fans' language").selectOption("ko");
    expect(await page.getByLabel("Page HTML").inputValue()).toBe("");
    expect(await page.getByRole("link", { name: "Preview" }).isHidden()).toBe(true);
    await page.getByLabel("Page HTML").fill(`<h2>{{eventName}}: 잠시 쉬어 갑니다</h2><p>{{position}}번째 그대로입니다.</p>`);
    await page.getByRole("button", { name: "Save page" }).click();
    await page.locator("#pages-notice").filter({ hasText: "Page saved: fans see it" }).waitFor();
    expect(await page.getByRole("link", { name: "Preview" }).getAttribute("href")).toBe(`/events/${eventId}/preview/paused?lang=ko`);
    await page.getByLabel("Fans' language").selectOption("");
    expect(await page.getByLabel("Page HTML").inputValue()).toBe(`<h2>{{eventName}} takes a short break</h2><p>You stay number {{position}}.</p>`);
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(await policyViolations(page)).toEqual([]);
    await page.goto(stack.edgeUrl + previewPath);
    await page.getByRole("heading", { name: "Browser test: fan-pages takes a short break" }).waitFor();
    expect(await page.locator("[data-live=position]").textContent()).toBe("42");
    expect(await policyViolations(page)).toEqual([]);
    await page.context().close();

    const fan = await fanPage(browser);
    await fan.goto(`${stack.edgeUrl}/events/${eventId}`);
    await fan.getByRole("heading", { name: "Browser test: fan-pages takes a short break" }).waitFor();
    await fan.getByText(en.live.paused).waitFor();
    expect(await fan.locator("[data-page-kind=paused] [data-live=position]").textContent()).toBe("1");
    await screenshot(fan, "12-organiser-page");
    expect(await accessibilityProblems(fan)).toEqual([]);
    expect(await policyViolations(fan)).toEqual([]);
    // a Korean browser gets the Korean page, with its place
    const korean = await fanPage(browser, { locale: "ko-KR" });
    await korean.goto(`${stack.edgeUrl}/events/${eventId}`);
    await korean.getByRole("heading", { name: "Browser test: fan-pages: 잠시 쉬어 갑니다" }).waitFor();
    await korean.getByText(ko.live.paused).waitFor();
    expect(await korean.locator("[data-page-kind=paused] [data-live=position]").textContent()).toBe("2");
    expect(await korean.getByText("takes a short break").count()).toBe(0);
    await korean.context().close();
    // the line opens again: the paused page goes, there is no waiting page of the organiser's
    expect((await stack.admin("POST", `/admin/events/${eventId}/queue/resume`)).status).toBe(200);
    await fan.locator("#map .seat").first().waitFor({ timeout: 30_000 });
    await fan.context().close();
  });
});
