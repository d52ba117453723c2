/**
 * The production edge Worker in workerd through Miniflare, without wrangler dev's proxy
 * (which caps near 800 req/s here and drops requests under bursts): bundled once per
 * process as `wrangler deploy` would bundle it (dry run), with the JoinBatcher Durable
 * Object bound as in wrangler.toml. Tests and benches that send crowds through the edge
 * start it with this.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { ensureDevSecrets } from "./dev-secrets.ts";
import { freePort } from "./free-port.ts";

const root = join(import.meta.dir, "..", "..");
let bundled: Promise<string> | undefined;

/** `wrangler deploy --dry-run` into a temporary folder, once per process. */
function bundle(): Promise<string> {
  bundled ??= bundleEdge(root);
  return bundled;
}

/** The edge of the checkout at `from` bundled as `wrangler deploy` would (an experiment compares two checkouts so). */
export function bundleEdge(from: string): Promise<string> {
  return (async () => {
    const outdir = mkdtempSync(join(tmpdir(), "cu-edge-"));
    process.once("exit", () => rmSync(outdir, { recursive: true, force: true }));
    const build = Bun.spawn([join(root, "node_modules", ".bin", "wrangler"), "deploy", "--dry-run", "--outdir", outdir, "--config", join(from, "edge", "wrangler.toml")], {
      cwd: join(from, "edge"),
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_UPDATE_NOTIFIER: "1" },
      stdout: "ignore",
      stderr: "pipe",
    });
    if ((await build.exited) !== 0) throw new Error(`wrangler deploy --dry-run failed: ${await new Response(build.stderr).text()}`);
    return outdir;
  })();
}

export interface WorkerdEdgeOptions {
  upstashUrl: string;
  originUrl?: string;
  /** a folder bundleEdge made: that Worker instead of this checkout's */
  bundle?: string;
  /** Worker vars overriding the defaults (durations, limits) */
  vars?: Record<string, string>;
  /** false: no JoinBatcher binding, each join is its own script call */
  joinBatcher?: boolean;
  /** serve the V8 inspector (Chrome DevTools Protocol) on this port, e.g. to read the heap */
  inspectorPort?: number;
}

export interface WorkerdEdge {
  url: string;
  port: number;
  miniflare: Miniflare;
  stop(): Promise<void>;
}

export async function startWorkerdEdge(opts: WorkerdEdgeOptions): Promise<WorkerdEdge> {
  const outdir = opts.bundle ?? (await bundle());
  const secrets = await ensureDevSecrets();
  // the local [vars] of wrangler.toml, as `wrangler dev` would bind them (Miniflare reads no config)
  const wrangler = Bun.TOML.parse(await Bun.file(join(root, "edge", "wrangler.toml")).text()) as { vars?: Record<string, string> };
  const port = await freePort();
  const miniflare = new Miniflare({
    modules: true,
    modulesRoot: outdir,
    scriptPath: join(outdir, "worker.js"),
    // wrangler emits text modules (Redis scripts, the pages' built scripts and stylesheet, the
    // dashboard's vendored uPlot) as files beside worker.js
    modulesRules: [{ type: "Text", include: ["**/*.lua", "**/*.txt"] }],
    compatibilityDate: "2026-04-01",
    compatibilityFlags: ["enable_request_signal"],
    host: "127.0.0.1",
    port,
    ...(opts.inspectorPort ? { inspectorPort: opts.inspectorPort } : {}),
    // workerd logs every client that hangs up mid-stream ("disconnected: ... Connection reset
    // by peer", with a stack): a crowd's fans do that by the thousand; everything else is kept
    handleRuntimeStdio(stdout, stderr) {
      stdout.pipe(process.stdout);
      let carry = "";
      let skipStack = false;
      stderr.on("data", (chunk: Buffer) => {
        const lines = (carry + chunk.toString()).split("\n");
        carry = lines.pop()!;
        for (const line of lines) {
          if (/disconnected: ::write|Connection reset by peer|Broken pipe/.test(line)) {
            skipStack = true;
            continue;
          }
          if (skipStack && line.startsWith("stack:")) continue;
          skipStack = false;
          process.stderr.write(line + "\n");
        }
      });
    },
    durableObjects: opts.joinBatcher === false ? {} : { JOIN_BATCHER: "JoinBatcher" },
    bindings: {
      ...wrangler.vars,
      UPSTASH_REDIS_REST_URL: opts.upstashUrl,
      UPSTASH_REDIS_REST_TOKEN: secrets.UPSTASH_REDIS_REST_TOKEN!,
      TICKET_SECRET: secrets.TICKET_SECRET!,
      ACTIVE_SIGNING_KEYS: secrets.ACTIVE_SIGNING_KEYS!,
      ORIGIN_AUTH_SECRET: secrets.ORIGIN_AUTH_SECRET!,
      IDENTITY_SECRET: secrets.IDENTITY_SECRET!,
      ORIGIN_URL: opts.originUrl ?? "http://127.0.0.1:9",
      ...opts.vars,
    },
  });
  const url = String(await miniflare.ready).replace(/\/$/, "");
  return { url, port, miniflare, stop: () => miniflare.dispose() };
}
