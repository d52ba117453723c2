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
import { eventKeys, globalKeys, type EventKeys } from "../../../common/keys.ts";
import { MarkLostCode, RestoreCode } from "../../../lua/codes.ts";
import { roomFields } from "./rooms.ts";
import type { RestoreConfig } from "./config.ts";
import type { DurableLine, DurableRoom } from "./durable.ts";
import { MARK_LOST_RANGE, markLost, restoreLine, type RestoreResult } from "./scripts.ts";

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
 * How long a room MySQL has just created may be missing from Redis before the leader takes
 * it for a lost line. An open writes MySQL first, then Redis (modules/admission/service.ts):
 * a tick between the two saw no status and "restored" a room still being opened, which
 * marked it restored, put its first number at 1,001, and could make the open's own write
 * find a status and undo the room in MySQL. Should the open's Redis write never come, the
 * leader builds the room once this has passed.
 */
export const OPENING_GRACE_MS = 2_000;

/** A room being opened: MySQL's first version, no checkpoint yet, its status set within OPENING_GRACE_MS. */
export function beingOpened(durable: DurableRoom, now: number): boolean {
  return durable.checkpoint === null && durable.room.version === 1 && now - durable.room.statusAt.getTime() < OPENING_GRACE_MS;
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
  /** the scheduling lease (ms), extended by every step of a long restore */
  leaseMs: number;
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
  const reserve = reserveFor(config, issueRate, run.counters?.at ?? null, run.now);
  const durableServing = run.counters?.serving ?? 0;
  const durableSeq = run.counters?.lastNumber ?? 0;
  let premarked: { upTo: number; lost: number } | undefined;
  // a sale that is over admits nobody: its numbers need no fans back (restoreLine marks none)
  if (room.status !== "soldout" && room.status !== "closed") {
    const marked = await markLongLine(redis, k, run, config.graceMs, await restoreRange(redis, k, durableServing, durableSeq, reserve));
    if (!marked) return { code: RestoreCode.NOT_LEADER, serving: 0, seq: 0, lost: 0, dropped: 0 };
    premarked = marked;
  }
  const result = await restoreLine(redis, k, {
    token: run.token,
    now: run.now,
    kind: run.kind,
    durableServing,
    durableSeq,
    reserve,
    graceMs: config.graceMs,
    premarked,
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

/**
 * The numbers restoreLine will go over, (serving, seq], worked out from Redis as it does:
 * serving = max(Redis, durable), seq = max(Redis, durable, `ahead`) + reserve. While the
 * line is being restored nobody is given a number, and a number given anyway (a Redis that
 * cannot tell its run apart) is above this range or taken back by restoreLine.
 */
async function restoreRange(redis: Redis, k: EventKeys, durableServing: number, durableSeq: number, reserve: number): Promise<{ from: number; to: number }> {
  const [serving, seq, ahead] = await Promise.all([redis.get(k.serving), redis.get(k.seq), redis.hget(k.queueState, "ahead")]);
  const from = Math.max(Number(serving ?? 0) || 0, durableServing) + 1;
  const to = Math.max(Number(seq ?? 0) || 0, durableSeq, Number(ahead ?? 0) || 0) + reserve;
  return { from, to };
}

/**
 * Marks a long line's numbers as lost in ranges of MARK_LOST_RANGE, one short script call
 * each, so rebuilding a line of hundreds of thousands never holds Redis for seconds (other
 * events' joins and streams go on between the calls); each call extends the lease, so a
 * restore longer than the lease still finishes. Null: the lease was lost.
 */
async function markLongLine(redis: Redis, k: EventKeys, run: RestoreRun, graceMs: number, range: { from: number; to: number }): Promise<{ upTo: number; lost: number } | null> {
  let lost = 0;
  for (let from = range.from; from <= range.to; from += MARK_LOST_RANGE) {
    const result = await markLost(redis, k, run.token, from, Math.min(range.to, from + MARK_LOST_RANGE - 1), graceMs, run.leaseMs);
    if (result.code !== MarkLostCode.MARKED) return null;
    lost += result.marked;
  }
  return { upTo: Math.max(range.from - 1, range.to), lost };
}
