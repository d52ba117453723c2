/**
 * A local round-robin HTTP balancer: each request goes to the next upstream in turn, so
 * `bun run dev -- --origins N` and the benchmarks can run several origin instances behind one
 * URL, as a load balancer would in a deployment. Bodies stream both ways (SSE passes through).
 * An upstream that cannot be reached answers 502 `{ code, message }`.
 */
export interface Balancer {
  url: string;
  /** requests forwarded to each upstream, in upstream order */
  counts: number[];
  stop(): void;
}

const HOP_BY_HOP = ["connection", "keep-alive", "transfer-encoding", "upgrade", "host", "content-length"];

export function startBalancer({ upstreams, port = 0, hostname = "127.0.0.1" }: { upstreams: string[]; port?: number; hostname?: string }): Balancer {
  if (upstreams.length === 0) throw new Error("startBalancer: no upstreams");
  const counts = upstreams.map(() => 0);
  let next = 0;
  const server = Bun.serve({
    port,
    hostname,
    idleTimeout: 0,
    async fetch(request) {
      const index = next;
      next = (next + 1) % upstreams.length;
      counts[index]! += 1;
      const incoming = new URL(request.url);
      const headers = new Headers(request.headers);
      for (const name of HOP_BY_HOP) headers.delete(name);
      try {
        const upstream = await fetch(upstreams[index] + incoming.pathname + incoming.search, {
          method: request.method,
          headers,
          body: request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer(),
          redirect: "manual",
          signal: request.signal,
          decompress: false,
        });
        const out = new Headers(upstream.headers);
        out.delete("content-length");
        out.delete("transfer-encoding");
        return new Response(upstream.body, { status: upstream.status, statusText: upstream.statusText, headers: out });
      } catch {
        return Response.json({ code: "UPSTREAM_UNAVAILABLE", message: `Origin instance ${index + 1} of ${upstreams.length} did not answer.` }, { status: 502 });
      }
    },
  });
  return { url: `http://${hostname}:${server.port}`, counts, stop: () => server.stop(true) };
}
