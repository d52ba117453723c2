import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import Redis from "ioredis";
import { createLocalJWKSet } from "jose";
import { eventKeys } from "../../common/keys.ts";
import { verifyActiveToken } from "../../common/tokens.ts";
import { uniqueEventId } from "../../test/kit/event-ids.ts";
import { joinFans, ManualClock, newScheduler, testSchedulerConfig } from "./admission/support.ts";
import { openWaitingRoom } from "../../test/kit/waiting-room.ts";
import { obliterateEventKeys } from "../../test/kit/obliterate.ts";

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

  test("minted sessions fill the room until --clean ends them (and releases their holds); then a real fan is admitted", async () => {
    const eventId = uniqueEventId("mintclean");
    const k = eventKeys(eventId);
    try {
      await openWaitingRoom(redis, eventId, { rate: 100, maxActive: 3 });
      const run = mint(["--event", eventId, "--count", "3"]);
      expect(run.exitCode).toBe(0);
      expect(run.stderr.toString()).toContain(`--event ${eventId} --clean`);
      const [dev] = run.stdout.toString().trim().split("\n");
      const sid = (await verifyActiveToken(dev!, createLocalJWKSet(JSON.parse(process.env.ACTIVE_JWKS!)), eventId))!.sid;
      // one of them holds a seat
      await redis.set(k.seat("A-1-1"), "hold_dev", "PX", 60_000);
      await redis.hset(k.hold("hold_dev"), { sid, seats: "A-1-1", expiresAt: Date.now() + 60_000 });
      await redis.zadd(k.sessionSeats(sid), Date.now() + 60_000, "A-1-1");

      const clock = new ManualClock();
      const [fan] = await joinFans(redis, eventId, 1, clock.now());
      const scheduler = newScheduler(redis, clock, [eventId], testSchedulerConfig({ presenceGraceMs: 3_600_000 }));
      await scheduler.tickEvent(eventId);
      clock.advance(1000);
      await scheduler.tickEvent(eventId);
      expect(await redis.zscore(k.admitted, fan!)).toBeNull(); // the room is full of dev sessions

      const clean = mint(["--event", eventId, "--clean"]);
      expect(clean.exitCode).toBe(0);
      expect(clean.stderr.toString()).toContain("ended 3 minted session(s)");
      expect(await redis.zcard(k.active)).toBe(0);
      expect(await redis.exists(k.seat("A-1-1"), k.hold("hold_dev"), k.devSessions)).toBe(0);
      clock.advance(1000);
      await scheduler.tickEvent(eventId);
      expect(await redis.zscore(k.admitted, fan!)).not.toBeNull();
    } finally {
      await obliterateEventKeys(redis, eventId);
    }
  });

  test("a session of a real fan is left alone by --clean", async () => {
    const eventId = uniqueEventId("mintkeep");
    const k = eventKeys(eventId);
    await redis.zadd(k.active, Date.now() + 60_000, "s_real_fan");
    expect(mint(["--event", eventId, "--count", "2"]).exitCode).toBe(0);
    expect(await redis.zcard(k.active)).toBe(3);
    expect(mint(["--event", eventId, "--clean"]).exitCode).toBe(0);
    expect(await redis.zrange(k.active, 0, -1)).toEqual(["s_real_fan"]);
    await redis.del(k.active);
  });

  test("refuses to run with NODE_ENV=production", () => {
    const run = mint(["--event", "demo", "--count", "1"], { NODE_ENV: "production" });
    expect(run.exitCode).not.toBe(0);
    expect(run.stdout.toString()).toBe("");
    expect(run.stderr.toString()).toContain("development only");
  });
});
