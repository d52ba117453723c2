/**
 * Test support for admission: a clock tests move by hand, and fans joining, claiming and
 * leaving through the real queue scripts (the ones the edge runs) on the local Redis.
 */
import { afterAll } from "bun:test";
import Redis from "ioredis";
import { eventKeys } from "../../../common/keys.ts";
import { uniqueEventId } from "../../../test/kit/event-ids.ts";
import { obliterateEventKeys } from "../../../test/kit/obliterate.ts";
import { forPlainRedis } from "../../../lua/flags.ts";
import { redisScripts, seedJoinArgs } from "../../../lua/registry.ts";
import type { Clock } from "../../src/lib/clock.ts";
import { parseSchedulerConfig, type SchedulerConfig } from "../../src/admission/config.ts";
import { Scheduler, type SchedulerOptions } from "../../src/admission/scheduler.ts";

export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

export class ManualClock implements Clock {
  constructor(public t = Date.now()) {}
  now() {
    return this.t;
  }
  advance(ms: number) {
    this.t += ms;
  }
}

export function newRedis(): Redis {
  return new Redis(REDIS_URL);
}

/** Drops an event's Redis keys and its entry in the registry of queues (test/kit/obliterate.ts). */
export const dropEvent = obliterateEventKeys;

/**
 * A Redis connection for one test file and `fresh(label)` for new event ids; the events'
 * keys are dropped and the connection closed after the file.
 */
export function useTestEvents(): { redis: Redis; fresh: (label: string) => string } {
  const redis = newRedis();
  const events: string[] = [];
  afterAll(async () => {
    for (const e of events) await dropEvent(redis, e);
    redis.disconnect();
  });
  return {
    redis,
    fresh(label) {
      const id = uniqueEventId(label);
      events.push(id);
      return id;
    },
  };
}

export function testSchedulerConfig(overrides: Partial<SchedulerConfig> = {}, adaptive: Partial<SchedulerConfig["adaptive"]> = {}): SchedulerConfig {
  const base = parseSchedulerConfig({});
  return { ...base, ...overrides, adaptive: { ...base.adaptive, enabledByDefault: false, ...adaptive } };
}

export function newScheduler(redis: Redis, clock: Clock, eventIds: string[], config: SchedulerConfig, extra: Partial<SchedulerOptions> = {}) {
  return new Scheduler({ redis, clock, config, listEvents: async () => eventIds, ...extra });
}


/** `count` fans join through the edge's joinQueue script, in order; returns their ticket ids. */
export async function joinFans(redis: Redis, eventId: string, count: number, now: number, prefix = "fan"): Promise<string[]> {
  const k = eventKeys(eventId);
  const keys = redisScripts.joinQueue.keys(k);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push(`${prefix}-${i}-${crypto.randomUUID().slice(0, 8)}`);
  const source = forPlainRedis(redisScripts.joinQueue.source);
  for (let i = 0; i < count; i += 500) {
    const batch = ids.slice(i, i + 500);
    const [, codes] = (await redis.eval(source, keys.length, ...keys, ...seedJoinArgs(now, batch))) as [unknown, number[]];
    if (codes.some((c) => c !== 0)) throw new Error(`join failed: ${JSON.stringify(codes)}`);
  }
  return ids;
}

/** The fans say they are still there (what the edge does for connected fans). */
export async function touchFans(redis: Redis, eventId: string, ids: string[], now: number) {
  if (ids.length === 0) return;
  await redis.zadd(eventKeys(eventId).seen, "XX", ...ids.flatMap((id) => [now, id]));
}

/** An admitted fan claims their turn (the edge's claimTurn script); returns the script's code. */
export async function claim(redis: Redis, eventId: string, tid: string, sid: string, now: number, sessionMs: number): Promise<number> {
  const keys = redisScripts.claimTurn.keys(eventKeys(eventId));
  const [code] = (await redis.eval(forPlainRedis(redisScripts.claimTurn.source), keys.length, ...keys, tid, sid, now, sessionMs)) as [number];
  return code;
}

export async function admittedIds(redis: Redis, eventId: string): Promise<string[]> {
  return redis.zrange(eventKeys(eventId).admitted, 0, -1);
}
