/**
 * The organiser's pages on the fan's page: the waiting room shows the one for the line's
 * state with its placeholders filled (position and wait in the fan's locale, as spans the
 * script updates), sanitised again whatever Redis holds; the preview shows one with sample
 * values; the strict policy stays on both.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";

setDefaultTimeout(20_000);
import { eventKeys } from "../../common/keys.ts";
import { PAGE_CSP } from "../src/html.ts";
import { useEdgeWorker } from "./helpers/fixture.ts";
import { redis, setStatus } from "./helpers/redis.ts";
import { call } from "./helpers/worker.ts";

const edge = useEdgeWorker();

describe("organiser page templates on the fan's pages", () => {
  test("the waiting page shows the template for the line's state, filled, and the others hidden; a script slipped into Redis is still removed", async () => {
    const eventId = await edge.freshEvent("tpl-wait", { eventName: "Spring <Tour>" });
    await redis.hset(eventKeys(eventId).pageTemplates, {
      waiting: `<h2>{{eventName}}</h2><p>You are number {{position}}, about {{wait}} to go.</p><script>alert(1)</script><img src=x onerror=alert(1)>`,
      paused: `<p>Short break.</p>`,
    });
    const res = await call(edge.env, `/events/${eventId}`, { headers: { "accept-language": "ko-KR" } });
    expect(res.headers.get("content-security-policy")).toBe(PAGE_CSP);
    const html = await res.text();
    expect(html).toContain(
      `<section class="organiser-page" data-page-kind="waiting"><h2>Spring &#60;Tour&#62;</h2><p>You are number <span data-live="position">1</span>, about <span data-live="wait">계산 중</span> to go.</p><img src="x"></section>`,
    );
    expect(html).toContain(`<section class="organiser-page" data-page-kind="paused" hidden><p>Short break.</p></section>`);
    expect(html).not.toContain("alert(1)");
    const withScript = await (await call(edge.env, html.match(/<script src="([^"]+)"/)![1]!)).text();
    expect(withScript).toContain("data-page-kind");
  });

  test("a sale that sold out shows the organiser's sold-out page instead of the built-in text", async () => {
    const eventId = await edge.freshEvent("tpl-sold", { eventName: "Spring" });
    await redis.hset(eventKeys(eventId).pageTemplates, { soldout: `<p>All {{eventName}} tickets are gone. See you next time!</p>` });
    await setStatus(eventId, "soldout");
    const res = await call(edge.env, `/events/${eventId}`);
    expect(res.status).toBe(410);
    const html = await res.text();
    expect(html).toContain(`<p>All Spring tickets are gone. See you next time!</p>`);
    expect(html).not.toContain("This sale has ended.");
  });

  test("the preview shows a template with sample values in the fan's language, and 404 JSON for a kind without one", async () => {
    const eventId = await edge.freshEvent("tpl-preview", { eventName: "Spring" });
    await redis.hset(eventKeys(eventId).pageTemplates, { prequeue: `<p onclick="x()">{{eventName}}: number {{position}}, {{wait}}</p><a href="javascript:alert(1)">x</a>` });
    const res = await call(edge.env, `/events/${eventId}/preview/prequeue?lang=ko`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toBe(PAGE_CSP);
    const html = await res.text();
    expect(html).toStartWith('<!doctype html><html lang="ko">');
    expect(html).toContain(`<p>Spring: number <span data-live="position">42</span>, <span data-live="wait">약 3분</span></p><a>x</a>`);
    expect(html).not.toContain("<script");
    for (const path of [`/events/${eventId}/preview/paused`, `/events/${eventId}/preview/lobby`]) {
      const missing = await call(edge.env, path);
      expect(missing.status).toBe(404);
      expect((await missing.json()).code).toBe("NO_SUCH_TEMPLATE");
    }
  });

  test("a fan sees the page of their language, else the default one, else the built-in page", async () => {
    const eventId = await edge.freshEvent("tpl-lang", { eventName: "Spring" });
    await setStatus(eventId, "paused");
    await redis.hset(eventKeys(eventId).pageTemplates, {
      paused: `<p>Short break, number {{position}}.</p>`,
      "paused:ko": `<p>잠시 쉬어 갑니다. {{position}}번째입니다.</p><script>alert(1)</script>`,
      "closed:ko": `<p>판매가 끝났습니다.</p>`,
    });
    const page = async (headers: Record<string, string>, query = "") => (await call(edge.env, `/events/${eventId}${query}`, { headers })).text();
    const korean = await page({ "accept-language": "ko-KR" });
    expect(korean).toContain(`<section class="organiser-page" data-page-kind="paused"><p>잠시 쉬어 갑니다. <span data-live="position">1</span>번째입니다.</p></section>`);
    expect(korean).toContain(`<section class="organiser-page" data-page-kind="closed" hidden><p>판매가 끝났습니다.</p></section>`);
    expect(korean).not.toContain("Short break");
    expect(korean).not.toContain("alert(1)");
    // English (no language of its own): the default page; and no closed page, as there is no default one
    const english = await page({ "accept-language": "en-GB" });
    expect(english).toContain(`<p>Short break, number <span data-live="position">`);
    expect(english).not.toContain("잠시");
    expect(english).not.toContain(`data-page-kind="closed"`);
    // ?lang= picks it as it picks the texts
    expect(await page({ "accept-language": "en" }, "?lang=ko")).toContain("잠시 쉬어 갑니다.");
    // the preview follows the same choice
    const preview = await (await call(edge.env, `/events/${eventId}/preview/closed?lang=ko`)).text();
    expect(preview).toContain("<p>판매가 끝났습니다.</p>");
    expect((await call(edge.env, `/events/${eventId}/preview/closed?lang=en`)).status).toBe(404);
    // the Korean page gone: Korean fans see the default one
    await redis.hdel(eventKeys(eventId).pageTemplates, "paused:ko");
    expect(await page({ "accept-language": "ko" })).toContain(`<p>Short break, number <span data-live="position">`);
    // the default gone too: the built-in page only
    await redis.hdel(eventKeys(eventId).pageTemplates, "paused");
    expect(await page({ "accept-language": "ko" })).not.toContain(`data-page-kind="paused"`);
  });
});
