/**
 * The wrk meter the crowd's ceilings use: it counts what the server answered, tells
 * failures apart from answers, gives every POST a client IP of its own (so no two of a run's
 * joins share a limiter bucket) and asks the encoding it was given (a real wrk against a local
 * server).
 */
import { afterAll, expect, test } from "bun:test";
import { WrkMeter, wrkPath } from "../lib/wrk.ts";

if (!wrkPath) console.warn("bench/test/wrk.test.ts: wrk is not installed (Debian: apt-get install wrk); skipping");

const seen = { gets: 0, posts: 0, ips: new Set<string>(), encodings: new Set<string>() };
const server = Bun.serve({
  port: 0,
  fetch(request) {
    seen.encodings.add(request.headers.get("accept-encoding") ?? "");
    if (request.method === "GET") {
      seen.gets++;
      return new Response("ok");
    }
    seen.posts++;
    seen.ips.add(request.headers.get("cf-connecting-ip") ?? "");
    return new Response(null, { status: new URL(request.url).pathname === "/refuse" ? 429 : 201 });
  },
});
afterAll(() => server.stop(true));

test.skipIf(!wrkPath)("a wrk meter counts the server's answers over its slices, each POST from its own client IP, asking for gzip", async () => {
  const get = new WrkMeter("get", `http://127.0.0.1:${server.port}/`, "GET", 8);
  const post = new WrkMeter("post", `http://127.0.0.1:${server.port}/join`, "POST", 8);
  await get.slice(1);
  await post.slice(1);
  await post.slice(1);
  const g = get.result();
  const p = post.result();
  expect(g.ops).toBeGreaterThan(0);
  // wrk counts the answers it read; connections still open at the end may have been answered once more
  expect(seen.gets).toBeGreaterThanOrEqual(g.ops);
  expect(seen.gets - g.ops).toBeLessThanOrEqual(8);
  expect(p.errors).toBe(0);
  expect(p.seconds).toBeGreaterThan(1.5);
  expect(Math.abs(p.perSecond - p.ops / p.seconds) / p.perSecond).toBeLessThan(0.01);
  expect(seen.ips.size).toBe(seen.posts);
  expect([...seen.encodings]).toEqual(["gzip, deflate, br"]);
});

test.skipIf(!wrkPath)("a meter asking no encoding says so", async () => {
  seen.encodings.clear();
  await new WrkMeter("plain", `http://127.0.0.1:${server.port}/join`, "POST", 2, "identity").slice(1);
  expect([...seen.encodings]).toEqual(["identity"]);
});

test.skipIf(!wrkPath)("answers other than 2xx and 3xx are errors, not throughput", async () => {
  const refused = new WrkMeter("refused", `http://127.0.0.1:${server.port}/refuse`, "POST", 4);
  await refused.slice(1);
  const r = refused.result();
  expect(r.ops).toBeGreaterThan(0);
  expect(r.errors).toBe(r.ops);
  expect(r.perSecond).toBe(0);
});
