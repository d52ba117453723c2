/**
 * Closed-loop load through wrk (Debian's `wrk`), for the front door's same-run ceilings. On a
 * 2-core machine the load generator shares the second core with the Upstash bridge and Redis,
 * which a join needs and a bare route does not: Bun's fetch takes about a fifth of a core at
 * 3,000 requests/s, wrk under a tenth of one at 4,000, so with wrk the ratio of a join to the
 * bare route measures the Worker rather than the client. A meter asks for gzip as browsers do
 * or for no encoding: given gzip, Miniflare compresses the answer as Cloudflare's front line
 * would, but on the Worker's own thread, where on Cloudflare that work is not the Worker's. A
 * meter adds up slices run at different times, so routes can be interleaved and share the
 * machine's noise.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LoadResult } from "../origin-load.ts";

/** The wrk binary, or null when it is not installed. */
export const wrkPath = Bun.which("wrk");

export function requireWrk(): string {
  if (!wrkPath) throw new Error("wrk is not installed: the front door's ceilings are measured with it (Debian: apt-get install wrk)");
  return wrkPath;
}

/**
 * The script every slice runs: the request (a GET, or a POST from a client IP of its own,
 * `2001:db8:<base>:<n>::1`, so no two requests of a run share a limiter bucket) and one JSON
 * line at the end with what wrk counted.
 */
const SCRIPT = `
local method, base, n = "GET", 0, 0
function init(args)
  method = args[1] or "GET"
  base = tonumber(args[2] or "0")
end
function request()
  n = n + 1
  if method == "GET" then return wrk.format("GET") end
  local headers = { ["cf-connecting-ip"] = string.format("2001:db8:%x:%x:%x::1", base % 65536, math.floor(n / 65536) % 65536, n % 65536), ["content-length"] = "0" }
  -- headers given to wrk.format replace wrk's own (-H): keep those too
  for k, v in pairs(wrk.headers) do headers[k] = v end
  return wrk.format("POST", nil, headers)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK {"requests":%d,"us":%d,"status":%d,"socket":%d,"p50":%d,"p95":%d,"p99":%d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
`;

let scriptFile: string | null = null;
function script(): string {
  if (!scriptFile) {
    scriptFile = join(mkdtempSync(join(tmpdir(), "cu-wrk-")), "slice.lua");
    writeFileSync(scriptFile, SCRIPT);
  }
  return scriptFile;
}

interface Slice {
  requests: number;
  us: number;
  status: number;
  socket: number;
  p50: number;
  p95: number;
  p99: number;
}

/** One route's slices: requests, errors (non-2xx/3xx answers and socket errors) and the seconds they took. */
export class WrkMeter {
  private readonly slices: Slice[] = [];
  /** client IP blocks used so far (POST routes take a new one per slice) */
  private static bases = 0;

  constructor(
    readonly name: string,
    readonly url: string,
    readonly method: "GET" | "POST",
    readonly concurrency = 64,
    /** the Accept-Encoding asked: gzip as browsers ask, or identity */
    readonly encoding: "gzip" | "identity" = "gzip",
  ) {}

  /** Runs wrk against the route for `seconds`. */
  async slice(seconds: number): Promise<void> {
    const base = ++WrkMeter.bases;
    const proc = Bun.spawn(
      [requireWrk(), "-t1", `-c${this.concurrency}`, `-d${seconds}s`, "--timeout", "10s", "-H", `accept-encoding: ${this.encoding === "gzip" ? "gzip, deflate, br" : "identity"}`, "-s", script(), this.url, "--", this.method, String(base)],
      { stdout: "pipe", stderr: "pipe" },
    );
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    const line = out.split("\n").find((l) => l.startsWith("WRK "));
    if (code !== 0 || !line) throw new Error(`wrk failed on ${this.url} (exit ${code}): ${err || out}`);
    this.slices.push(JSON.parse(line.slice(4)) as Slice);
  }

  /** Totals over the slices; latencies are the median of the slices' percentiles. */
  result(): LoadResult {
    const sum = (f: (s: Slice) => number) => this.slices.reduce((a, s) => a + f(s), 0);
    const median = (f: (s: Slice) => number) => {
      const v = this.slices.map(f).sort((a, b) => a - b);
      return v.length === 0 ? 0 : Math.round(v[Math.floor(v.length / 2)]!) / 1000;
    };
    const ops = sum((s) => s.requests);
    const errors = sum((s) => s.status + s.socket);
    const seconds = sum((s) => s.us) / 1e6;
    return { name: this.name, ops, errors, seconds: Math.round(seconds * 100) / 100, perSecond: seconds > 0 ? Math.round((ops - errors) / seconds) : 0, p50ms: median((s) => s.p50), p95ms: median((s) => s.p95), p99ms: median((s) => s.p99), concurrency: this.concurrency };
  }

  print(): LoadResult {
    const r = this.result();
    console.log(`  ${r.name.padEnd(28)} ${String(r.perSecond).padStart(7)}/s  p50 ${r.p50ms.toFixed(2)} ms  p95 ${r.p95ms.toFixed(2)} ms  p99 ${r.p99ms.toFixed(2)} ms  (${r.ops} ops, ${r.errors} errors, c=${r.concurrency}, wrk)`);
    return r;
  }
}
