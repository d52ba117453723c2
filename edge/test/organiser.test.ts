import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";

setDefaultTimeout(20_000);
import { join } from "node:path";
import { eventKeys } from "../../common/keys.ts";
import { Harness } from "../../origin/test/support/harness.ts";
import { UPLOT_FILES } from "../../scripts/vendor-uplot.ts";
import { UPLOT_VERSION } from "../src/assets.ts";
import { CHARTS, dashboardScriptUrl } from "../src/dashboard-page.ts";
import type { Env } from "../src/env.ts";
import { startBridge } from "../../test/kit/bridge.ts";
import { dropEvent, redis } from "./helpers/redis.ts";
import { uniqueEventId } from "../../test/kit/event-ids.ts";
import { call, testEnv } from "./helpers/worker.ts";

const root = join(import.meta.dir, "..", "..");
let bridge: Awaited<ReturnType<typeof startBridge>>;
let env: Env;
let standIn: ReturnType<typeof Bun.serve>;
const seen: Array<{ method: string; path: string; headers: Record<string, string>; body: string }> = [];

beforeAll(async () => {
  bridge = await startBridge();
  standIn = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const url = new URL(req.url);
      seen.push({ method: req.method, path: url.pathname + url.search, headers: Object.fromEntries(req.headers), body: await req.text() });
      return Response.json({ from: "origin" }, { status: 418, headers: { "set-cookie": "origin=1" } });
    },
  });
  env = testEnv(bridge.url, { ORIGIN_URL: `http://127.0.0.1:${standIn.port}` });
});
afterAll(async () => {
  standIn.stop(true);
  await bridge.stop();
});

describe("organiser dashboard page", () => {
  test("is served at /organiser/events/:eventId: key form, controls and labelled chart containers, only its own scripts", async () => {
    const res = await call(env, "/organiser/events/demo");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    const html = await res.text();
    expect(html).toContain('<label for="admin-key">Admin key</label>');
    expect(html).toMatch(/<input id="admin-key"[^>]*type="password"/);
    for (const name of ["Pause", "Resume", "Close (sold out)", "Set rate", "Set maxActive"]) expect(html).toContain(`>${name}</button>`);
    expect(html).toContain('<label for="rate">');
    expect(html).toContain('<label for="max-active">');
    for (const c of CHARTS) expect(html).toContain(`<div class="chart" id="${c.id}" role="img" aria-label="${c.label}"></div>`);
    expect(html).toContain('name="viewport" content="width=device-width,initial-scale=1"');
    expect(html).toContain('data-event-id="demo"');
    expect(html).not.toMatch(/<script>(?!<\/script>)/); // no inline script
  });

  test("every asset the page names is served with its content type; uPlot is the pinned package's own build", async () => {
    const html = await (await call(env, "/organiser/events/demo")).text();
    const urls = [...html.matchAll(/(?:src|href)="(\/organiser\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(urls).toEqual([`/organiser/assets/uplot-${UPLOT_VERSION}.min.css`, `/organiser/assets/uplot-${UPLOT_VERSION}.min.js`, dashboardScriptUrl()]);
    expect(dashboardScriptUrl()).toMatch(/^\/organiser\/assets\/dashboard-[0-9a-f]{8}\.js$/);
    const byUrl: Record<string, string> = {};
    for (const url of urls) {
      const res = await call(env, url);
      expect(res.status).toBe(200);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("content-type")).toBe(url.endsWith(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8");
      byUrl[url] = await res.text();
    }
    const pinned = JSON.parse(await Bun.file(join(root, "package.json")).text()).dependencies.uplot;
    expect(pinned).toBe(UPLOT_VERSION);
    expect(JSON.parse(await Bun.file(join(root, "node_modules/uplot/package.json")).text()).version).toBe(UPLOT_VERSION);
    // the vendored copies are the installed package's files (run `bun scripts/vendor-uplot.ts` after an upgrade)
    for (const f of UPLOT_FILES) expect(await Bun.file(join(root, f.to)).text()).toBe(await Bun.file(join(root, f.from)).text());
    expect(byUrl[`/organiser/assets/uplot-${UPLOT_VERSION}.min.js`]).toBe(await Bun.file(join(root, "node_modules/uplot/dist/uPlot.iife.min.js")).text());
    expect(byUrl[`/organiser/assets/uplot-${UPLOT_VERSION}.min.css`]).toBe(await Bun.file(join(root, "node_modules/uplot/dist/uPlot.min.css")).text());
    // the page script parses and polls the dashboard route
    const script = byUrl[dashboardScriptUrl()]!;
    expect(() => new Function(script)).not.toThrow();
    expect(script).toContain('"/dashboard"');
    expect(script).toContain("sessionStorage");
  });

  test("refuses other methods, unknown assets and bad event ids", async () => {
    expect((await call(env, "/organiser/events/demo", { method: "POST" })).status).toBe(405);
    expect((await call(env, "/organiser/assets/other.js")).status).toBe(404);
    expect((await call(env, "/organiser/events/bad%20id")).status).toBe(404);
    expect((await call(env, "/organiser/events/" + "x".repeat(65))).status).toBe(404);
    const head = await call(env, "/organiser/events/demo", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
  });
});

describe("/admin/* through the edge", () => {
  test("passes the organiser's Authorization header and the origin secret; drops cookies and spoofed headers", async () => {
    const res = await call(env, "/admin/events/demo/dashboard?since=123", {
      ip: "198.51.100.4",
      headers: { authorization: "Bearer organiser-key", cookie: "a=b", "x-origin-auth": "guess", "x-client-ip": "6.6.6.6" },
    });
    expect(res.status).toBe(418);
    expect(await res.json()).toEqual({ from: "origin" });
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(res.headers.get("cache-control")).toBe("no-store");
    const last = seen.at(-1)!;
    expect(last.path).toBe("/admin/events/demo/dashboard?since=123");
    expect(last.headers.authorization).toBe("Bearer organiser-key");
    expect(last.headers["x-origin-auth"]).toBe(process.env.ORIGIN_AUTH_SECRET!.split(",")[0]!.trim());
    expect(last.headers["x-client-ip"]).toBe("198.51.100.4");
    expect(last.headers.cookie).toBeUndefined();
  });

  test("forwards the dashboard's controls with their bodies, and nothing else", async () => {
    const auth = { authorization: "Bearer k" };
    const before = seen.length;
    await call(env, "/admin/events/demo/queue/pause", { method: "POST", headers: auth });
    await call(env, "/admin/events/demo/queue", { method: "PATCH", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ rate: 7 }) });
    await call(env, "/admin/events/demo/queue/close", { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ reason: "soldout" }) });
    await call(env, "/admin/events/demo/limits", { method: "PATCH", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ customerLimit: 4 }) });
    expect(seen.slice(before).map((s) => `${s.method} ${s.path} ${s.body}`)).toEqual([
      "POST /admin/events/demo/queue/pause ",
      'PATCH /admin/events/demo/queue {"rate":7}',
      'POST /admin/events/demo/queue/close {"reason":"soldout"}',
      'PATCH /admin/events/demo/limits {"customerLimit":4}',
    ]);
    const refused = seen.length;
    expect((await call(env, "/admin/events", { method: "POST", headers: auth, body: "{}" })).status).toBe(404);
    expect((await call(env, "/admin/capacity/measure", { method: "POST", headers: auth })).status).toBe(404);
    expect((await call(env, "/admin/orders/o_1/cancel", { method: "POST", headers: auth })).status).toBe(404);
    expect((await call(env, "/admin/events/demo/queue", { method: "DELETE", headers: auth })).status).toBe(405);
    expect((await call(env, "/admin/events/demo/dashboard")).status).toBe(401); // no key: answered at the edge
    expect(seen.length).toBe(refused);
  });

  test("limits admin calls per IP per event (fail closed), so a key cannot be guessed by retrying", async () => {
    const limited = testEnv(bridge.url, { ORIGIN_URL: `http://127.0.0.1:${standIn.port}`, ADMIN_LIMIT_PER_MINUTE: "3" });
    const eventId = uniqueEventId("admrl");
    const guess = (ip: string, n: number) => call(limited, `/admin/events/${eventId}/dashboard`, { ip, headers: { authorization: `Bearer guess-${n}` } });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await guess("203.0.113.50", i)).status);
    expect(statuses).toEqual([418, 418, 418, 429, 429]);
    expect((await guess("203.0.113.50", 9)).headers.get("retry-after")).toMatch(/^\d+$/);
    expect((await guess("203.0.113.51", 0)).status).toBe(418);
    expect((await redis.keys(`${eventKeys(eventId).rateLimit("admin")}*`)).length).toBeGreaterThan(0);
    await dropEvent(eventId);
  });
});

describe("dashboard through the edge to the real origin", () => {
  let h: Harness;
  let origin: ReturnType<typeof Bun.serve>;
  let real: Env;
  beforeAll(async () => {
    h = await Harness.create("edash");
    origin = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (req) => h.app.handle(req) });
    real = testEnv(bridge.url, { ORIGIN_URL: `http://127.0.0.1:${origin.port}` });
    const opened = await h.call("POST", `/admin/events/${h.eventId}/queue`, { headers: { authorization: `Bearer ${h.config.adminKey}` }, body: { rate: 4 } });
    expect(opened.status).toBe(201);
    await h.redis.srem("cu:queues", h.eventId);
  });
  afterAll(async () => {
    origin.stop(true);
    await h.close();
  });

  test("the origin checks the key; with it the page's calls read the sale and pause it", async () => {
    const wrong = await call(real, `/admin/events/${h.eventId}/dashboard`, { headers: { authorization: "Bearer not-the-key" } });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { code: string }).code).toBe("ADMIN_KEY_INVALID");

    const key = { authorization: `Bearer ${h.config.adminKey}` };
    const read = await call(real, `/admin/events/${h.eventId}/dashboard`, { headers: key });
    expect(read.status).toBe(200);
    const body = (await read.json()) as { queue: { status: string; settings: { rate: number } }; samples: unknown[] };
    expect(body.queue).toMatchObject({ status: "open", settings: { rate: 4 } });
    expect(Array.isArray(body.samples)).toBe(true);

    const paused = await call(real, `/admin/events/${h.eventId}/queue/pause`, { method: "POST", headers: key });
    expect(paused.status).toBe(200);
    expect(await h.redis.hget(eventKeys(h.eventId).queueState, "status")).toBe("paused");
  });
});
