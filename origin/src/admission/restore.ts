/**
 * Rebuilding an event's line after Redis lost it, from MySQL (run by the scheduling
 * leader, fenced by its lease, one script call: lua/restoreLine-10.lua).
 *
 * A loss is `full` when the queue-state hash has no status while MySQL has the waiting
 * room (Redis came back empty), `partial` when Redis's serving pointer or ticket counter
 * is below the durable checkpoint, or a fan's ticket carried a number beyond Redis's
 * counter (the edge records it as `ahead`): counters only grow, so Redis went back in time
 * (restored from an older snapshot, a replica promoted without the last writes).
 */
import type Redis from "ioredis";
import { eventKeys, globalKeys } from "../../../common/keys.ts";
import { RestoreCode } from "../../../lua/codes.ts";
import { roomFields } from "./rooms.ts";
import type { RestoreConfig } from "./config.ts";
import type { DurableLine, DurableRoom } from "./durable.ts";
import { restoreLine, type RestoreResult } from "./scripts.ts";

export type LossKind = "full" | "partial";

/** What the leader knows for sure was reached: MySQL's checkpoint, or a newer one it wrote itself. */
export interface DurableCounters {
  serving: number;
  lastNumber: number;
  /** ms */
  at: number;
  /** peak numbers issued per second */
  issueRate: number;
}

export function detectLoss(hash: Record<string, string>, redisServing: number, redisSeq: number, durable: DurableCounters | null): LossKind | null {
  if (!hash.status) return "full";
  // a fan's ticket showed a number beyond the counter: Redis went back in time
  if (hash.ahead) return "partial";
  if (durable && (redisServing < durable.serving || redisSeq < durable.lastNumber)) return "partial";
  return null;
}

/**
 * Numbers added above the highest known one: every number issued after the checkpoint
 * must stay unused. Numbers are issued at most at the peak rate, for at most the time
 * since the checkpoint (Redis answered for part of it at best, capped), plus a margin; at
 * least the floor.
 */
export function reserveFor(config: RestoreConfig, issueRate: number, checkpointAt: number | null, now: number): number {
  // the leader checkpoints every tick while Redis answers: a checkpoint older than the cap
  // means Redis (or the leader) was down for the rest of the time, issuing nothing
  const since = checkpointAt === null ? 0 : Math.min(config.reserveMaxSeconds, Math.max(0, now - checkpointAt) / 1000);
  return Math.max(config.reserveFloor, Math.ceil(issueRate * (since + config.reserveMarginSeconds)));
}

export interface RestoreHooks {
  /** the event's name, venue and start, for the waiting room page (null: no event row) */
  about(eventId: string): Promise<{ name: string; venue: string; startsAt: Date } | null>;
  /** seat settings and the sold set back into Redis from MySQL */
  republish(eventId: string): Promise<void>;
}

export interface RestoreRun {
  token: string;
  now: number;
  kind: LossKind;
  durable: DurableRoom;
  counters: DurableCounters | null;
  /** the peak issue rate this leader measured itself */
  measuredRate: number;
}

export async function restoreEvent(redis: Redis, line: DurableLine, hooks: RestoreHooks, config: RestoreConfig, eventId: string, run: RestoreRun): Promise<RestoreResult> {
  const k = eventKeys(eventId);
  const { room } = run.durable;
  const about = await hooks.about(eventId);
  const { set, remove } = roomFields(room);
  const fields: Record<string, string | number> = { ...set, restores: run.durable.checkpoint?.restores ?? 0 };
  // settings MySQL left at their defaults are removed (an older snapshot may hold a value)
  for (const field of remove) fields[field] = "";
  if (about) Object.assign(fields, { eventName: about.name, venue: about.venue, startsAt: about.startsAt.getTime() });
  const [admitted, active] = run.kind === "partial" ? await Promise.all([redis.zrange(k.admitted, 0, -1), redis.zrange(k.active, 0, -1)]) : [[], []];
  const inputs = await line.restoreInputs(eventId, run.now, { admitted, active });
  const issueRate = Math.max(run.measuredRate, run.counters?.issueRate ?? 0);
  const result = await restoreLine(redis, k, {
    token: run.token,
    now: run.now,
    kind: run.kind,
    durableServing: run.counters?.serving ?? 0,
    durableSeq: run.counters?.lastNumber ?? 0,
    reserve: reserveFor(config, issueRate, run.counters?.at ?? null, run.now),
    graceMs: config.graceMs,
    fields,
    admitted: inputs.admitted,
    claimed: inputs.claimed,
    ended: inputs.ended,
  });
  if (result.code !== RestoreCode.RESTORED) return result;
  await redis.sadd(globalKeys.queues, eventId);
  await hooks.republish(eventId);
  await line.recordRestore(eventId, { serving: result.serving, lastNumber: result.seq, at: run.now, kind: run.kind });
  return result;
}
