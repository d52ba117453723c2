/**
 * The organiser's page templates through the admin API: kept sanitised in MySQL and Redis
 * (the edge's copy), listed with their preview paths, removed again; a page per language
 * beside the default one; bad kinds, languages and bodies are 4xx JSON.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eventKeys } from "../../common/keys.ts";
import { TEMPLATE_KINDS, TEMPLATE_LANGS } from "../../common/page-template.ts";
import { LANGS } from "../../edge/src/i18n/index.ts";
import { templateKind, templateLang } from "../src/modules/templates/model.ts";
import { publishTemplates } from "../src/modules/templates/service.ts";
import { Harness } from "./support/harness.ts";

let h: Harness;
const admin = () => ({ authorization: `Bearer ${h.config.adminKey}` });

beforeAll(async () => {
  h = await Harness.create("templates");
});
afterAll(() => h.close());

describe("page templates (admin API)", () => {
  test("an uploaded template with a <script> tag and onload= is kept sanitised, in MySQL and in the edge's copy in Redis", async () => {
    const path = `/admin/events/${h.eventId}/page-templates/paused`;
    const saved = await h.call("PUT", path, { headers: admin(), body: { html: `<h2 onload="alert(1)">Short break</h2><script>alert(2)</script><p>You stay number {{position}}.</p>` } });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ kind: "paused", lang: null, html: `<h2>Short break</h2><p>You stay number {{position}}.</p>`, sanitized: true, previewPath: `/events/${h.eventId}/preview/paused` });
    expect(await h.redis.hget(eventKeys(h.eventId).pageTemplates, "paused")).toBe(saved.body.html);
    const [rows] = (await h.database.pool.query("SELECT html FROM page_templates WHERE event_id = ? AND kind = 'paused'", [h.eventId])) as unknown as [Array<{ html: string }>];
    expect(rows).toEqual([{ html: saved.body.html }]);

    // a clean one is kept as sent, replacing the old
    const clean = await h.call("PUT", path, { headers: admin(), body: { html: "<p>Back soon, {{eventName}}</p>" } });
    expect(clean.body).toMatchObject({ html: "<p>Back soon, {{eventName}}</p>", sanitized: false });
    const list = await h.call("GET", `/admin/events/${h.eventId}/page-templates`, { headers: admin() });
    expect(list.body.templates.map((x: { kind: string; html: string }) => [x.kind, x.html])).toEqual([["paused", "<p>Back soon, {{eventName}}</p>"]]);

    // Redis lost it: written back from MySQL
    await h.redis.del(eventKeys(h.eventId).pageTemplates);
    expect(await publishTemplates(h.redis, h.database.db, h.eventId)).toBe(1);
    expect(await h.redis.hget(eventKeys(h.eventId).pageTemplates, "paused")).toBe("<p>Back soon, {{eventName}}</p>");

    const removed = await h.call("DELETE", path, { headers: admin() });
    expect(removed.body).toEqual({ kind: "paused", lang: null, removed: true });
    expect(await h.redis.hget(eventKeys(h.eventId).pageTemplates, "paused")).toBeNull();
    expect((await h.call("DELETE", path, { headers: admin() })).body).toEqual({ kind: "paused", lang: null, removed: false });
  });

  test("an unknown kind, a missing or too long html, or no admin key is refused with a JSON error", async () => {
    const base = `/admin/events/${h.eventId}/page-templates`;
    for (const [path, body] of [
      [`${base}/lobby`, { html: "<p>x</p>" }],
      [`${base}/waiting`, {}],
      [`${base}/waiting`, { html: "" }],
      [`${base}/waiting`, { html: "x".repeat(20_001) }],
      [`${base}/waiting`, { html: "<p>x</p>", script: "alert(1)" }],
    ] as const) {
      const r = await h.call("PUT", path, { headers: admin(), body });
      expect({ path, status: r.status < 500 && r.status >= 400, code: typeof r.body.code, message: typeof r.body.message }).toEqual({ path, status: true, code: "string", message: "string" });
    }
    expect((await h.call("PUT", `${base}/waiting`, { body: { html: "<p>x</p>" } })).status).toBe(401);
    expect(await h.redis.exists(eventKeys(h.eventId).pageTemplates)).toBe(0);
  });

  test("the API's kinds are the shared ones, and its languages the fan pages' catalogues", () => {
    expect(templateKind.anyOf.map((k: { const: string }) => k.const)).toEqual([...TEMPLATE_KINDS]);
    expect(templateLang.anyOf.map((k: { const: string }) => k.const)).toEqual([...TEMPLATE_LANGS]);
    expect([...TEMPLATE_LANGS]).toEqual(LANGS);
  });

  test("a page per language sits beside the default one: each kept in MySQL and Redis, listed with its language and preview, removed alone", async () => {
    const eventId = `${h.eventId}-lang`;
    const base = `/admin/events/${eventId}/page-templates/paused`;
    const put = (body: object) => h.call("PUT", base, { headers: admin(), body });
    expect((await put({ html: "<p>Short break.</p>" })).body).toMatchObject({ kind: "paused", lang: null, previewPath: `/events/${eventId}/preview/paused` });
    const korean = await put({ lang: "ko", html: "<p>잠시 쉬어 갑니다. {{position}}번째입니다.</p>" });
    expect(korean.status).toBe(200);
    expect(korean.body).toMatchObject({ kind: "paused", lang: "ko", sanitized: false, previewPath: `/events/${eventId}/preview/paused?lang=ko` });
    // uploading the Korean one again replaces it, and only it
    expect((await put({ lang: "ko", html: "<p>잠시 쉬어 갑니다.</p>" })).status).toBe(200);
    expect(await h.redis.hgetall(eventKeys(eventId).pageTemplates)).toEqual({ paused: "<p>Short break.</p>", "paused:ko": "<p>잠시 쉬어 갑니다.</p>" });
    const [rows] = (await h.database.pool.query("SELECT lang, html FROM page_templates WHERE event_id = ? ORDER BY lang", [eventId])) as unknown as [Array<{ lang: string; html: string }>];
    expect(rows).toEqual([{ lang: "", html: "<p>Short break.</p>" }, { lang: "ko", html: "<p>잠시 쉬어 갑니다.</p>" }]);
    const list = await h.call("GET", `/admin/events/${eventId}/page-templates`, { headers: admin() });
    expect(list.body.templates.map((x: { kind: string; lang: string | null }) => [x.kind, x.lang])).toEqual([["paused", null], ["paused", "ko"]]);

    // Redis lost them: both written back from MySQL, each in its field
    await h.redis.del(eventKeys(eventId).pageTemplates);
    expect(await publishTemplates(h.redis, h.database.db, eventId)).toBe(2);
    expect(await h.redis.hgetall(eventKeys(eventId).pageTemplates)).toEqual({ paused: "<p>Short break.</p>", "paused:ko": "<p>잠시 쉬어 갑니다.</p>" });

    // a language there is no catalogue for is a 400 JSON, nothing kept
    for (const lang of ["fr", "KO", "", 5]) {
      const r = await put({ lang, html: "<p>x</p>" });
      expect(r.status, String(lang)).toBe(400);
      expect(r.body.code).toBe("INVALID_REQUEST");
    }
    expect((await h.call("DELETE", `${base}?lang=fr`, { headers: admin() })).status).toBe(400);

    // removing the Korean one leaves the default; removing the default leaves nothing
    expect((await h.call("DELETE", `${base}?lang=ko`, { headers: admin() })).body).toEqual({ kind: "paused", lang: "ko", removed: true });
    expect(await h.redis.hgetall(eventKeys(eventId).pageTemplates)).toEqual({ paused: "<p>Short break.</p>" });
    expect((await h.call("DELETE", `${base}?lang=ko`, { headers: admin() })).body).toEqual({ kind: "paused", lang: "ko", removed: false });
    expect((await h.call("DELETE", base, { headers: admin() })).body).toEqual({ kind: "paused", lang: null, removed: true });
    expect(await h.redis.exists(eventKeys(eventId).pageTemplates)).toBe(0);
  });
});
