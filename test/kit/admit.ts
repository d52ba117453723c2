/**
 * Lets the next fans in line in through the real admission script (lua/admitFans-12.lua),
 * as the scheduling leader does, for tests that drive the line by hand instead of running
 * a scheduler. It takes the event's scheduler lease for the one call, so it refuses to run
 * beside a real scheduler leading the event.
 */
import type Redis from "ioredis";
import { eventKeys } from "../../common/keys.ts";
import { admitFans } from "../../origin/src/admission/scripts.ts";

export interface AdmitOptions {
  /** a fan not seen for longer has left and is dropped, not admitted (default 30 s) */
  graceMs?: number;
  /** how long an admitted fan has to claim (default 120 s; negative: the window is already closed) */
  claimWindowMs?: number;
}

/** Admits up to `count` fans from the head of an open line; answers how many were admitted. */
export async function admitNextFans(redis: Redis, eventId: string, count: number, opts: AdmitOptions = {}): Promise<number> {
  const keys = eventKeys(eventId);
  const token = `test-admit:${crypto.randomUUID()}`;
  if ((await redis.set(keys.schedulerLease, token, "PX", 10_000, "NX")) !== "OK") {
    throw new Error(`a scheduler leads ${eventId}: admit through it, not by hand`);
  }
  try {
    const result = await admitFans(redis, keys, {
      token,
      now: Date.now(),
      budget: count,
      // no cap on active sessions and drops: only `count` limits this call
      maxActive: 1_000_000_000,
      claimMs: opts.claimWindowMs ?? 120_000,
      presenceGraceMs: opts.graceMs ?? 30_000,
      sessionMs: 0,
      maxDrops: 1_000_000_000,
    });
    return result.admitted;
  } finally {
    if ((await redis.get(keys.schedulerLease)) === token) await redis.del(keys.schedulerLease);
  }
}
