/**
 * Every kind of page the edge serves, fetched from the Worker: the waiting room, the sale
 * page (a fan who claimed a turn), the message pages (sale ended, no such event, the line
 * unreachable) and the organiser dashboard. Tests that hold for every page loop over these;
 * `withScripts` reads a page together with the scripts it loads.
 */
import { expect } from "bun:test";
import type { Env } from "../../src/env.ts";
import type { EdgeFixture } from "./fixture.ts";
import { uniqueEventId } from "../../../test/kit/event-ids.ts";
import { admitHead, setStatus } from "./redis.ts";
import { call, testEnv } from "./worker.ts";

export interface ServedPage {
  name: string;
  status: number;
  headers: Headers;
  html: string;
}

export async function everyPage(edge: EdgeFixture): Promise<ServedPage[]> {
  const waiting = await edge.freshEvent("pages-wait");
  const saleEvent = await edge.freshEvent("pages-sale");
  const jar = new Map<string, string>();
  await call(edge.env, `/queue/${saleEvent}/join`, { method: "POST", jar });
  await admitHead(saleEvent, 1);
  expect((await call(edge.env, `/queue/${saleEvent}/claim`, { method: "POST", jar })).status).toBe(200);
  const ended = await edge.freshEvent("pages-ended");
  await setStatus(ended, "soldout");
  // nothing listens on port 9: the waiting room cannot reach its line
  const unreachable = testEnv("http://127.0.0.1:9");
  const out: ServedPage[] = [];
  for (const [name, path, init, env] of [
    ["waiting room", `/events/${waiting}`, {}, edge.env],
    ["sale page", `/events/${saleEvent}`, { jar }, edge.env],
    ["sale ended", `/events/${ended}`, {}, edge.env],
    ["no such event", `/events/${uniqueEventId("pages-none")}`, {}, edge.env],
    ["line unreachable", `/events/${uniqueEventId("pages-down")}`, {}, unreachable],
    ["organiser dashboard", "/organiser/events/demo", {}, edge.env],
  ] as const) {
    const res = await call(env, path, init);
    expect(res.headers.get("content-type"), name).toStartWith("text/html");
    out.push({ name, status: res.status, headers: res.headers, html: await res.text() });
  }
  return out;
}

/**
 * A page's HTML followed by the text of every script it names: what a page does lives in
 * those files (no inline script), so a test of what the page does reads them with it.
 */
export async function withScripts(env: Env, html: string): Promise<string> {
  const urls = [...html.matchAll(/<script src="([^"]+)"><\/script>/g)].map((m) => m[1]!);
  const scripts = await Promise.all(urls.map(async (url) => (await call(env, url)).text()));
  return [html, ...scripts].join("\n");
}
