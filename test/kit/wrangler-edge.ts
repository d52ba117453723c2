/**
 * The edge as `wrangler dev` runs it (workerd, offline, metrics off), with a dev Upstash
 * REST bridge in front of the local Redis unless given one: what `bun run edge`,
 * `bun run dev`, the browser tests and the image test start.
 */
import { join } from "node:path";
import { ensureDevSecrets } from "./dev-secrets.ts";
import { freePort } from "./free-port.ts";

const root = join(import.meta.dir, "..", "..");
const wrangler = join(root, "node_modules", ".bin", "wrangler");

export interface StartEdgeOptions {
  port?: number;
  originUrl?: string;
  /** Redis behind the bridge this starts (ignored when `upstashUrl` is given) */
  redisUrl?: string;
  /** an Upstash REST endpoint that already runs (its token must be UPSTASH_REDIS_REST_TOKEN) */
  upstashUrl?: string;
  /** secrets; UPSTASH_REDIS_REST_TOKEN is read from here (else generated local secrets) */
  env?: Record<string, string | undefined>;
  /** extra or overriding Worker vars (durations, limits) */
  vars?: Record<string, string>;
  /** print wrangler's output (default: only errors) */
  verbose?: boolean;
  timeoutMs?: number;
}

export interface RunningEdge {
  url: string;
  upstashUrl: string;
  /** pid of the wrangler process (workerd runs as its child) */
  pid: number;
  stop(): Promise<void>;
}

export async function startEdge(opts: StartEdgeOptions = {}): Promise<RunningEdge> {
  // wrangler reads the secrets from edge/.dev.vars; this keeps that file in step with .env.local
  const secrets = await ensureDevSecrets();
  const token = opts.env?.UPSTASH_REDIS_REST_TOKEN ?? secrets.UPSTASH_REDIS_REST_TOKEN!;
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
  };
  try {
    let upstashUrl: string;
    if (opts.upstashUrl) upstashUrl = opts.upstashUrl;
    else {
      const { startUpstashBridge } = await import("./upstash-bridge/server.ts");
      const redisUrl = opts.redisUrl ?? process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
      const bridge = await startUpstashBridge({ redisUrl, port: await freePort(), token });
      stops.push(bridge.stop);
      upstashUrl = bridge.url as string;
    }
    const port = opts.port ?? (await freePort());
    const vars: Record<string, string> = {
      UPSTASH_REDIS_REST_URL: upstashUrl,
      ORIGIN_URL: opts.originUrl ?? process.env.ORIGIN_URL ?? "http://127.0.0.1:3000",
      ...opts.vars,
    };
    const proc = Bun.spawn(
      [
        wrangler,
        "dev",
        "--config",
        join(root, "edge", "wrangler.toml"),
        "--ip",
        "127.0.0.1",
        "--port",
        String(port),
        "--inspector-port",
        String(await freePort()),
        "--show-interactive-dev-session=false",
        "--log-level",
        opts.verbose ? "info" : "error",
        ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
      ],
      {
        cwd: join(root, "edge"),
        env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_SEND_METRICS: "false", NO_UPDATE_NOTIFIER: "1", CI: "1" },
        stdout: opts.verbose ? "inherit" : "ignore",
        stderr: "pipe",
      },
    );
    let stopping = false;
    // wrangler's output goes to ours, except the noise its file watcher makes while being stopped
    void (async () => {
      const reader = proc.stderr.getReader();
      for (let r = await reader.read(); !r.done; r = await reader.read()) if (!stopping) process.stderr.write(r.value);
    })().catch(() => {});
    stops.push(async () => {
      stopping = true;
      if (proc.exitCode !== null) return;
      proc.kill("SIGTERM");
      const exited = await Promise.race([proc.exited.then(() => true), Bun.sleep(5000).then(() => false)]);
      if (!exited) proc.kill("SIGKILL");
    });
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`wrangler dev exited with code ${proc.exitCode}`);
      const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`the edge did not answer on ${url} within ${(opts.timeoutMs ?? 60_000) / 1000}s`);
      await Bun.sleep(200);
    }
    return { url, upstashUrl, pid: proc.pid, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
