/**
 * The two ways the bench runs the edge locally: `wrangler dev` (what `bun run dev` uses; a
 * proxy in front of workerd) and Miniflare directly (workerd only), both offline.
 */
import { startEdge } from "../test/kit/wrangler-edge.ts";
import { startWorkerdEdge } from "../test/kit/workerd-edge.ts";

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

/** The Worker in workerd only (Miniflare), bundled as `wrangler deploy` bundles it. */
export async function miniflareEdge(upstashUrl: string, vars: Record<string, string>, opts: { originUrl?: string; joinBatcher?: boolean } = {}): Promise<BenchEdge> {
  const edge = await startWorkerdEdge({ upstashUrl, vars, ...opts });
  return { name: "Miniflare (workerd only)", url: edge.url, parentPid: process.pid, stop: edge.stop };
}
