import { afterAll, describe, expect, test } from "bun:test";
import { startBalancer } from "../../test/kit/balancer.ts";
import { freePort } from "../../test/kit/free-port.ts";

const servers: Array<{ stop(force?: boolean): unknown }> = [];
afterAll(() => {
  for (const s of servers) s.stop(true);
});

function upstream(name: string) {
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      const url = new URL(request.url);
      if (url.pathname === "/stream") {
        const body = new ReadableStream({
          async start(controller) {
            for (let i = 0; i < 3; i++) {
              controller.enqueue(new TextEncoder().encode(`data: ${name}-${i}\n\n`));
              await Bun.sleep(30);
            }
            controller.close();
          },
        });
        return new Response(body, { headers: { "content-type": "text/event-stream" } });
      }
      return Response.json({ name, method: request.method, path: url.pathname + url.search, body: await request.text(), auth: request.headers.get("authorization") });
    },
  });
  servers.push(server);
  return `http://127.0.0.1:${server.port}`;
}

describe("round-robin balancer", () => {
  test("200 concurrent requests are shared evenly, with method, path, query, headers and body intact", async () => {
    const balancer = startBalancer({ upstreams: [upstream("a"), upstream("b")] });
    servers.push(balancer);
    const replies = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const r = await fetch(`${balancer.url}/api/x?i=${i}`, { method: "POST", headers: { authorization: "Bearer t" }, body: `body-${i}` });
        return { status: r.status, ...((await r.json()) as { name: string; method: string; path: string; body: string; auth: string }), i };
      }),
    );
    expect(replies.filter((r) => r.name === "a")).toHaveLength(100);
    expect(replies.filter((r) => r.name === "b")).toHaveLength(100);
    for (const r of replies) expect(r).toMatchObject({ status: 200, method: "POST", path: `/api/x?i=${r.i}`, body: `body-${r.i}`, auth: "Bearer t" });
    expect(balancer.counts).toEqual([100, 100]);
  });

  test("server-sent events stream through as they are sent", async () => {
    const balancer = startBalancer({ upstreams: [upstream("s")] });
    servers.push(balancer);
    const r = await fetch(`${balancer.url}/stream`);
    expect(r.headers.get("content-type")).toBe("text/event-stream");
    const reader = r.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain("data: s-0");
    let rest = "";
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += new TextDecoder().decode(chunk.value);
    expect(rest).toContain("data: s-2");
  });

  test("an instance that is down answers 502 JSON; the others keep serving", async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const balancer = startBalancer({ upstreams: [upstream("live"), dead] });
    servers.push(balancer);
    const replies = await Promise.all([1, 2, 3, 4].map(async () => {
      const r = await fetch(`${balancer.url}/x`);
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    }));
    expect(replies.filter((r) => r.status === 200)).toHaveLength(2);
    const failed = replies.filter((r) => r.status === 502);
    expect(failed).toHaveLength(2);
    for (const f of failed) expect(f.body).toEqual({ code: "UPSTREAM_UNAVAILABLE", message: expect.any(String) });
  });
});
