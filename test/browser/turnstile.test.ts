/**
 * Turnstile on the waiting page, in Chromium, through the production Worker in workerd: the
 * page loads the widget from Cloudflare's origin (here served by the browser's route, as the
 * test machine has no network: a stand-in with the same `turnstile.render` interface), joins
 * with the widget's token, and the edge checks it with a local siteverify stand-in.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import Redis from "ioredis";
import type { Browser } from "playwright-core";
import { eventKeys } from "../../common/keys.ts";
import { startBridge, type TestBridge } from "../kit/bridge.ts";
import { freePort } from "../kit/free-port.ts";
import { newOpenEvent } from "../kit/waiting-room.ts";
import { startWorkerdEdge, type WorkerdEdge } from "../kit/workerd-edge.ts";
import { fanPage, launchBrowser, policyViolations, screenshot } from "./helpers/browser.ts";

setDefaultTimeout(120_000);

const SECRET = "turnstile-browser-secret";
let redis: Redis;
let bridge: TestBridge;
let edge: WorkerdEdge;
let browser: Browser;
let siteverify: ReturnType<typeof Bun.serve>;
const tokens: string[] = [];

/** What the page gets at Cloudflare's api.js URL: a widget with Turnstile's render/reset interface and one checkbox. */
const WIDGET = `window.turnstile = {
  render(el, o) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = "Verify you are human";
    b.onclick = () => o.callback("pass-" + Math.random().toString(36).slice(2));
    el.appendChild(b);
    return "widget-1";
  },
  reset() {},
};`;

beforeAll(async () => {
  redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  const port = await freePort();
  siteverify = Bun.serve({
    port,
    hostname: "127.0.0.1",
    async fetch(req) {
      const form = await req.formData();
      const token = String(form.get("response"));
      tokens.push(token);
      return Response.json({ success: form.get("secret") === SECRET && token.startsWith("pass-"), "error-codes": [] });
    },
  });
  bridge = await startBridge();
  edge = await startWorkerdEdge({
    upstashUrl: bridge.url,
    vars: { TURNSTILE_SITE_KEY: "1x00000000000000000000AA", TURNSTILE_SECRET_KEY: SECRET, TURNSTILE_VERIFY_URL: `http://127.0.0.1:${port}/siteverify` },
  });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await edge?.stop();
  await bridge?.stop();
  siteverify?.stop(true);
  redis?.disconnect();
});

describe("Turnstile on the waiting page, in a browser", () => {
  test("the page shows the widget, and once the fan passes it joins with its token: a real place, checked at the edge", async () => {
    const eventId = await newOpenEvent(redis, "ts-browser");
    await redis.hset(eventKeys(eventId).queueState, { challenge: "turnstile", challengeFailure: "infinite" });
    const page = await fanPage(browser);
    await page.route("https://challenges.cloudflare.com/turnstile/v0/api.js*", (route) => route.fulfill({ contentType: "text/javascript", body: WIDGET }));
    await page.goto(`${edge.url}/events/${eventId}`);
    await page.getByText("A quick check that you are a person").waitFor();
    await page.getByRole("button", { name: "Verify you are human" }).click();
    await page.locator("#state").filter({ hasText: "You are in line." }).waitFor({ timeout: 30_000 });
    expect(await page.locator("#position").textContent()).toBe("1");
    expect(await page.locator("#turnstile").isHidden()).toBe(true);
    await screenshot(page, "turnstile-waiting-room");
    expect(tokens).toHaveLength(1);
    const k = eventKeys(eventId);
    expect(await redis.zcard(k.queue)).toBe(1);
    expect(await redis.zcard(k.challengeUsed)).toBe(1);
    expect(await policyViolations(page)).toEqual([]);
    await page.context().close();
  });
});
