/**
 * `bun run edge`: the edge alone, as in production but on this machine: a dev Upstash
 * REST bridge in front of the local Redis (unless UPSTASH_REDIS_REST_URL points at one)
 * and `wrangler dev` (workerd, offline, metrics off) on EDGE_PORT.
 */
import { devToolVariables } from "../test/kit/dev-variables.ts";
import { startEdge } from "../test/kit/wrangler-edge.ts";

const edge = await startEdge({
  port: Number(process.env.EDGE_PORT ?? devToolVariables.EDGE_PORT.default),
  upstashUrl: process.env.UPSTASH_REDIS_REST_URL,
  verbose: true,
});
console.log(`edge listening on ${edge.url} (Redis REST at ${edge.upstashUrl})`);
const shutdown = () => void edge.stop().then(() => process.exit(0));
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
