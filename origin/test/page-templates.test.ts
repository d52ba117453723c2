/**
 * The organiser's page templates through the admin API: kept sanitised in MySQL and Redis
 * (the edge's copy), listed with their preview paths, removed again; bad kinds and bodies
 * are 4xx JSON.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eventKeys } from "../../common/keys.ts";
import { TEMPLATE_KINDS } from "../../common/page-template.ts";
import { templateKind } from "../src/modules/templates/model.ts";
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
    expect(saved.body).toMatchObject({ kind: "paused", html: `<h2>Short break</h2><p>You stay number {{position}}.</p>`, sanitized: true, previewPath: `/events/${h.eventId}/preview/paused` });
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
    expect(removed.body).toEqual({ kind: "paused", removed: true });
    expect(await h.redis.hget(eventKeys(h.eventId).pageTemplates, "paused")).toBeNull();
    expect((await h.call("DELETE", path, { headers: admin() })).body).toEqual({ kind: "paused", removed: false });
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

  test("the API's kinds are the shared ones", () => {
    expect(templateKind.anyOf.map((k: { const: string }) => k.const)).toEqual([...TEMPLATE_KINDS]);
  });
});
