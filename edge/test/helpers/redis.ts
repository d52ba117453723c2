/** Direct Redis access for tests: set up an event's queue, admit fans, inspect keys, clean up. */
import Redis from "ioredis";
import { eventKeys, globalKeys } from "../../../common/keys.ts";
import admitHeadSource from "./admitHead-5.lua";

export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
export const redis = new Redis(REDIS_URL);

let counter = 0;
/** An event id no other test (or earlier run) uses. */
export function newEventId(label: string): string {
  return `t-${label}-${Date.now().toString(36)}-${(counter++).toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

/**
 * Opens an event's waiting room in Redis as the origin does when a sale goes live, but
 * outside the registry `cu:queues`: a real origin a test runs would schedule it otherwise.
 */
export async function openQueue(eventId: string, fields: Record<string, string | number> = {}) {
  await redis.hset(eventKeys(eventId).queueState, { status: "open", ...fields });
}

/** Lists an event in the registry of queues (`cu:queues`), as the origin does; the test's dropEvent removes it. */
export async function register(eventId: string) {
  await redis.sadd(globalKeys.queues, eventId);
}

export async function setStatus(eventId: string, status: string) {
  await redis.hset(eventKeys(eventId).queueState, "status", status);
}

/** Admits the next `count` fans, as the scheduler will. */
export async function admitHead(eventId: string, count: number, opts: { graceMs?: number; claimWindowMs?: number } = {}): Promise<number> {
  const k = eventKeys(eventId);
  const now = Date.now();
  return (await redis.eval(
    admitHeadSource,
    5,
    k.queue,
    k.seen,
    k.admitted,
    k.serving,
    k.gone,
    count,
    now,
    opts.graceMs ?? 30_000,
    now + (opts.claimWindowMs ?? 120_000),
  )) as number;
}

export async function dropEvent(eventId: string) {
  const keys = await redis.keys(`cu:{${eventId}}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.srem(globalKeys.queues, eventId);
}
