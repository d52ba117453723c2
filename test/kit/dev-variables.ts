/**
 * The variables the development tools read beside the origin's and the edge's (`bun run dev`,
 * `bun run edge`, the Upstash REST bridge): declared once, so the tools take their defaults
 * from here and docs/reference/configuration.md lists them.
 */
import { declareVariables } from "../../common/env-variables.ts";

export const devToolVariables = declareVariables("dev tools", {
  EDGE_PORT: { default: 8787, doc: "port of the local edge (`bun run edge`, `bun run dev`)" },
  UPSTASH_BRIDGE_PORT: { default: 8079, doc: "port of `bun scripts/upstash-bridge.ts` (the Upstash REST protocol in front of REDIS_URL)" },
  UPSTASH_BRIDGE_HOST: { default: "127.0.0.1", doc: "address the bridge listens on" },
  CONCERT_U_DATA_DIR: { default: ".data", doc: "where `bun run dev` keeps the data of the Redis and MariaDB it starts (tests use a temporary folder)" },
});
