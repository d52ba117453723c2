/**
 * Every page the edge serves names an icon, and every file a page loads is under a
 * versioned URL cached for a year; /favicon.ico answers with an icon, not a JSON 404.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";

setDefaultTimeout(20_000);
import { contentHash } from "../src/assets.ts";
import { useEdgeWorker } from "./helpers/fixture.ts";
import { everyPage } from "./helpers/pages.ts";
import { call } from "./helpers/worker.ts";

const edge = useEdgeWorker();

/** URLs of the icon, scripts and stylesheets a page names. */
const linked = (html: string) => [...html.matchAll(/<(?:link|script)\b[^>]*?(?:href|src)="([^"]+)"/g)].map((m) => m[1]!);

describe("icons and static files", () => {
  test("every page names the icon, and the icon, /favicon.ico and every linked file load with a long cache", async () => {
    const seen = new Set<string>();
    for (const { name, html } of await everyPage(edge)) {
      const urls = linked(html);
      const icon = [...html.matchAll(/<link rel="icon" href="([^"]+)" type="image\/svg\+xml">/g)].map((m) => m[1]!);
      expect({ name, icons: icon.length }).toEqual({ name, icons: 1 });
      for (const url of urls) seen.add(url);
    }
    expect(seen.size).toBeGreaterThanOrEqual(4); // the icon, uPlot's script and stylesheet, the dashboard script
    for (const url of seen) {
      const res = await call(edge.env, url);
      expect({ url, status: res.status }).toEqual({ url, status: 200 });
      expect({ url, cache: res.headers.get("cache-control") }).toEqual({ url, cache: "public, max-age=31536000, immutable" });
      const body = await res.text();
      // the URL names the content it serves: a version, or the hash of the bytes
      expect(url.includes(contentHash(body)) || /uplot-\d+\.\d+\.\d+/.test(url)).toBe(true);
      if (url.endsWith(".svg")) expect(res.headers.get("content-type")).toBe("image/svg+xml");
    }
    const ico = await call(edge.env, "/favicon.ico");
    expect(ico.status).toBe(200);
    expect(ico.headers.get("content-type")).toBe("image/x-icon");
    expect(ico.headers.get("cache-control")).toBe("public, max-age=86400");
    const bytes = new Uint8Array(await ico.arrayBuffer());
    expect([...bytes.slice(0, 4)]).toEqual([0, 0, 1, 0]); // an ICO header
    expect([...bytes.slice(22, 26)]).toEqual([0x89, 0x50, 0x4e, 0x47]); // holding a PNG
  });

  test("unknown files under /assets are JSON 404s; other methods 405", async () => {
    const res = await call(edge.env, "/assets/icon-00000000.svg");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: "NOT_FOUND" });
    expect((await call(edge.env, "/favicon.ico", { method: "POST" })).status).toBe(405);
  });
});
