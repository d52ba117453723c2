/**
 * deploy/nginx/nginx.conf, the ALB stand-in of the compose stack: `nginx -t` accepts it,
 * and running it in front of two local HTTP servers shows what the origins see:
 * round-robin, request ids, headers passed through, failover for a dead replica, and a
 * POST never sent to a second replica.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findNginx, localConf, upstreamServers } from "./helpers/nginx.ts";

const nginx = findNginx();
if (!nginx) console.warn("deploy/nginx: no nginx binary found (Debian: apt-get install nginx-light); skipping nginx -t and the proxy tests");

async function freePort(): Promise<number> {
  const s = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = s.port!;
  s.stop(true);
  return port;
}

describe.skipIf(!nginx)("deploy/nginx/nginx.conf", () => {
  test("nginx -t accepts it (compose service names replaced by local addresses)", () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-nginx-t-"));
    try {
      const servers = upstreamServers();
      expect(servers.length).toBe(2);
      writeFileSync(join(dir, "nginx.conf"), localConf(servers.map((_, i) => `127.0.0.1:${40000 + i}`), dir));
      const p = Bun.spawnSync([nginx!, "-t", "-p", dir, "-c", join(dir, "nginx.conf"), "-e", "stderr", "-g", `pid ${dir}/nginx.pid;`]);
      expect(p.stderr.toString()).toContain("test is successful");
      expect(p.exitCode).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("nginx -t refuses a broken copy, so the check above can fail", () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-nginx-t-"));
    try {
      const conf = localConf(["127.0.0.1:40000", "127.0.0.1:40001"], dir).replace("proxy_pass http://origin;", "proxy_pass http://origin");
      writeFileSync(join(dir, "nginx.conf"), conf);
      const p = Bun.spawnSync([nginx!, "-t", "-p", dir, "-c", join(dir, "nginx.conf"), "-e", "stderr", "-g", `pid ${dir}/nginx.pid;`]);
      expect(p.exitCode).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe("in front of two replicas", () => {
    type Seen = { replica: string; method: string; path: string; headers: Record<string, string> };
    const seen: Seen[] = [];
    const replicas: Array<ReturnType<typeof Bun.serve>> = [];
    let dir = "";
    let proc: ReturnType<typeof Bun.spawn> | undefined;
    let base = "";

    const replica = (name: string) =>
      Bun.serve({
        port: 0,
        hostname: "127.0.0.1",
        fetch(req) {
          const url = new URL(req.url);
          seen.push({ replica: name, method: req.method, path: url.pathname, headers: req.headers.toJSON() });
          // replica-2 stands for an instance that is draining: it refuses new work
          if (name === "replica-2" && url.pathname.startsWith("/draining")) return Response.json({ code: "draining", message: "shutting down" }, { status: 503 });
          return Response.json({ replica: name });
        },
      });

    beforeAll(async () => {
      replicas.push(replica("replica-1"), replica("replica-2"));
      dir = mkdtempSync(join(tmpdir(), "cu-nginx-run-"));
      const port = await freePort();
      writeFileSync(join(dir, "nginx.conf"), localConf(replicas.map((r) => `127.0.0.1:${r.port}`), dir, `127.0.0.1:${port}`));
      proc = Bun.spawn([nginx!, "-p", dir, "-c", join(dir, "nginx.conf"), "-e", "stderr", "-g", `pid ${dir}/nginx.pid; daemon off;`], {
        stdout: "ignore",
        stderr: "pipe",
      });
      base = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + 10_000;
      while (!(await fetch(`${base}/nginx-health`).then((r) => r.ok, () => false))) {
        if (proc.exitCode !== null) throw new Error(`nginx exited: ${await new Response(proc.stderr as ReadableStream).text()}`);
        if (Date.now() > deadline) throw new Error("nginx did not answer");
        await Bun.sleep(50);
      }
    });

    afterAll(async () => {
      proc?.kill("SIGQUIT");
      await proc?.exited;
      for (const r of replicas) r.stop(true);
      rmSync(dir, { recursive: true, force: true });
    });

    test("spreads requests evenly over both replicas", async () => {
      seen.length = 0;
      for (let i = 0; i < 40; i++) expect((await fetch(`${base}/api/events/demo`)).status).toBe(200);
      const one = seen.filter((s) => s.replica === "replica-1").length;
      const two = seen.filter((s) => s.replica === "replica-2").length;
      expect(one + two).toBe(40);
      // round-robin per worker process: never more than one request apart per worker
      expect(Math.abs(one - two)).toBeLessThanOrEqual(4);
    });

    test("keeps the caller's X-Request-Id, and makes one when there is none", async () => {
      seen.length = 0;
      const given = await fetch(`${base}/api/x`, { headers: { "x-request-id": "edge-abc-123" } });
      expect(given.headers.get("x-request-id")).toBe("edge-abc-123");
      expect(seen.at(-1)!.headers["x-request-id"]).toBe("edge-abc-123");
      const made = await fetch(`${base}/api/x`);
      const id = made.headers.get("x-request-id");
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      expect(seen.at(-1)!.headers["x-request-id"]).toBe(id!);
    });

    test("passes the edge's auth headers unchanged and records the hop in X-Forwarded-For", async () => {
      seen.length = 0;
      await fetch(`${base}/api/holds`, {
        method: "POST",
        headers: { "x-origin-auth": "shared-secret", authorization: "Bearer tok", "x-client-ip": "203.0.113.9", "x-forwarded-for": "203.0.113.9" },
        body: "{}",
      });
      const h = seen.at(-1)!.headers;
      expect(h["x-origin-auth"]).toBe("shared-secret");
      expect(h.authorization).toBe("Bearer tok");
      expect(h["x-client-ip"]).toBe("203.0.113.9");
      expect(h["x-forwarded-for"]).toBe("203.0.113.9, 127.0.0.1");
      expect(h["x-forwarded-proto"]).toBe("http");
    });

    // a 503 also counts against the replica (it sits out fail_timeout), so POSTs go first
    test("a POST a replica received is never sent to a second replica", async () => {
      seen.length = 0;
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) statuses.push((await fetch(`${base}/draining/purchase`, { method: "POST", body: `{"n":${i}}` })).status);
      // each purchase reached exactly one replica; those that hit the draining one report 503
      expect(seen.filter((s) => s.method === "POST")).toHaveLength(10);
      expect(statuses.filter((s) => s === 503).length).toBe(seen.filter((s) => s.replica === "replica-2").length);
      expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(0);
    });

    test("a GET refused by a draining replica is answered by the other", async () => {
      seen.length = 0;
      for (let i = 0; i < 10; i++) {
        const r = await fetch(`${base}/draining/status`);
        expect(r.status).toBe(200);
        expect(((await r.json()) as { replica: string }).replica).toBe("replica-1");
      }
    });

    test("a replica that is down is skipped", async () => {
      replicas[1]!.stop(true);
      seen.length = 0;
      for (let i = 0; i < 10; i++) expect((await fetch(`${base}/api/events/demo`, { method: "GET" })).status).toBe(200);
      expect(seen.every((s) => s.replica === "replica-1")).toBe(true);
    });
  });
});
