/**
 * The two ways the bench runs the edge locally: `wrangler dev` (what `bun run dev` uses; a
 * proxy in front of workerd) and Miniflare directly (workerd only), both offline.
 */
import { join } from "node:path";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { Miniflare } from "miniflare";
import { ensureDevSecrets } from "../scripts/dev-secrets.ts";
import { startEdge } from "../scripts/edge.ts";
import { freePort } from "../scripts/lib/free-port.ts";

const root = join(import.meta.dir, "..");

export interface BenchEdge {
  name: string;
  url: string;
  /** process whose workerd children hold the Worker */
  parentPid: number;
  stop(): Promise<void>;
}

export async function wranglerEdge(upstashUrl: string, vars: Record<string, string>): Promise<BenchEdge> {
  const edge = await startEdge({ upstashUrl, originUrl: "http://127.0.0.1:9", vars });
  return { name: "wrangler dev", url: edge.url, parentPid: edge.pid, stop: edge.stop };
}

/** Bundles the Worker as `wrangler deploy` would (dry run) and serves it with Miniflare. */
export async function miniflareEdge(upstashUrl: string, vars: Record<string, string>): Promise<BenchEdge> {
  const outdir = mkdtempSync(join(tmpdir(), "cu-edge-"));
  const build = Bun.spawn([join(root, "node_modules", ".bin", "wrangler"), "deploy", "--dry-run", "--outdir", outdir, "--config", join(root, "edge", "wrangler.toml")], {
    cwd: join(root, "edge"),
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    stdout: "ignore",
    stderr: "inherit",
  });
  if ((await build.exited) !== 0) throw new Error("wrangler deploy --dry-run failed");
  const secrets = await ensureDevSecrets();
  const mf = new Miniflare({
    modules: true,
    modulesRoot: outdir,
    scriptPath: join(outdir, "index.js"),
    // wrangler emits text modules (Redis scripts, the dashboard's vendored uPlot) as files beside index.js
    modulesRules: [{ type: "Text", include: ["**/*.lua", "**/*.txt"] }],
    compatibilityDate: "2026-04-01",
    host: "127.0.0.1",
    port: await freePort(),
    bindings: {
      UPSTASH_REDIS_REST_URL: upstashUrl,
      UPSTASH_REDIS_REST_TOKEN: secrets.UPSTASH_REDIS_REST_TOKEN!,
      TICKET_SECRET: secrets.TICKET_SECRET!,
      ACTIVE_SIGNING_KEYS: secrets.ACTIVE_SIGNING_KEYS!,
      ORIGIN_AUTH_SECRET: secrets.ORIGIN_AUTH_SECRET!,
      ORIGIN_URL: "http://127.0.0.1:9",
      ...vars,
    },
  });
  const url = String(await mf.ready).replace(/\/$/, "");
  return {
    name: "Miniflare (workerd only)",
    url,
    parentPid: process.pid,
    async stop() {
      await mf.dispose();
      rmSync(outdir, { recursive: true, force: true });
    },
  };
}
