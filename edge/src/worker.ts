/**
 * What wrangler deploys: the Worker (./index.ts) and the Durable Object classes it binds.
 * Kept apart from index.ts so that the Worker's fetch can be imported and called where
 * `cloudflare:workers` does not exist (bun test).
 */
export { default } from "./index.ts";
export { JoinBatcher } from "./join-batcher.ts";
