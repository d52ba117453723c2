import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import Redis from "ioredis";
import { createLocalJWKSet } from "jose";
import { eventKeys } from "../../common/keys.ts";
import { verifyActiveToken } from "../../common/tokens.ts";
import { uniqueEventId } from "./support/harness.ts";

const root = join(import.meta.dir, "..", "..");
const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
afterAll(() => redis.disconnect());

function mint(args: string[], env: Record<string, string> = {}) {
  return Bun.spawnSync(["bun", "scripts/token-mint.ts", ...args], { cwd: root, env: { ...process.env, ...env } });
}

describe("bun run token:mint", () => {
  test("registers N active sessions and prints their tokens, one per line", async () => {
    const eventId = uniqueEventId("mint");
    const run = mint(["--event", eventId, "--count", "3", "--ttl", "120"]);
    expect(run.exitCode).toBe(0);
    const tokens = run.stdout.toString().trim().split("\n");
    expect(tokens).toHaveLength(3);
    const keys = createLocalJWKSet(JSON.parse(process.env.ACTIVE_JWKS!));
    for (const token of tokens) {
      const claims = await verifyActiveToken(token, keys, eventId);
      expect(claims).not.toBeNull();
      const score = Number(await redis.zscore(eventKeys(eventId).active, claims!.sid));
      expect(score).toBeGreaterThan(Date.now() + 100_000);
      expect(score).toBeLessThanOrEqual(Date.now() + 121_000);
    }
    await redis.del(eventKeys(eventId).active);
  });

  test("refuses to run with NODE_ENV=production", () => {
    const run = mint(["--event", "demo", "--count", "1"], { NODE_ENV: "production" });
    expect(run.exitCode).not.toBe(0);
    expect(run.stdout.toString()).toBe("");
    expect(run.stderr.toString()).toContain("development only");
  });
});
