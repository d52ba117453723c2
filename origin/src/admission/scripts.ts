/**
 * Typed calls of the admission scripts (lua/registry.ts): each names its ARGV; the keys,
 * codes and reply decoders come from the registry, and every call runs through the one
 * script runner (origin/src/redis/scripts.ts).
 */
import type Redis from "ioredis";
import type { EventKeys } from "../../../common/keys.ts";
import type { ApplyRoomCode, LeaseCode, MarkLostCode, OpenSaleCode, RenewCode, StatusCode } from "../../../lua/codes.ts";
import { redisScripts } from "../../../lua/registry.ts";
import type { AdmitResult, RestoreResult } from "../../../lua/replies.ts";
import { runScript } from "../redis/scripts.ts";

export type { AdmitResult, RestoreResult };

export interface AdmitArgs {
  token: string;
  now: number;
  budget: number;
  maxActive: number;
  claimMs: number;
  presenceGraceMs: number;
  /** 0 leaves session expiries alone */
  sessionMs: number;
  maxDrops: number;
  /** standby: how long a queueing room must be calm to let fans straight through again (default STANDBY_CALM_MS) */
  standbyCalmMs?: number;
  /** seat budgets (seat-budget.ts): each tier's room; absent = admissions count fans only */
  seatBudget?: SeatBudgetArgs;
}

export interface SeatBudgetArgs {
  /** the seats an undeclared fan counts: the per-order limit */
  undeclared: number;
  tiers: Array<{ tier: string; room: number; unsold: number; lowestPriceCents: number }>;
}

/** Standby's calm period: a room that queued lets fans straight through again after this long below both thresholds with an empty line. */
export const STANDBY_CALM_MS = 5000;

export function admitFans(redis: Redis, k: EventKeys, a: AdmitArgs): Promise<AdmitResult> {
  return runScript(redis, redisScripts.admitFans, { k }, [a.token, a.now, a.budget, a.maxActive, a.claimMs, a.presenceGraceMs, a.sessionMs, a.maxDrops, a.standbyCalmMs ?? STANDBY_CALM_MS,
    ...(a.seatBudget ? [a.seatBudget.undeclared, ...a.seatBudget.tiers.flatMap((t) => [t.tier, t.room, t.unsold, t.lowestPriceCents])] : [])]);
}

export function acquireLease(redis: Redis, k: EventKeys, instanceId: string, leaseMs: number): Promise<{ code: LeaseCode; token: string }> {
  return runScript(redis, redisScripts.acquireLease, { k }, [instanceId, leaseMs]);
}

/** Extends the lease; `leaseMs` 0 releases it. */
export function renewLease(redis: Redis, k: EventKeys, token: string, leaseMs: number): Promise<RenewCode> {
  return runScript(redis, redisScripts.renewLease, { k }, [token, leaseMs]);
}

/** Four 32-bit seeds from a cryptographic source, never all zero (xorshift128 needs one bit set). */
export function lotterySeeds(): number[] {
  const seeds: number[] = [...crypto.getRandomValues(new Uint32Array(4))];
  if (!seeds.some((s) => s !== 0)) seeds[0] = 1;
  return seeds;
}

export function openSale(redis: Redis, k: EventKeys, token: string, now: number, seeds = lotterySeeds()): Promise<{ code: OpenSaleCode; drawn: number }> {
  return runScript(redis, redisScripts.openSale, { k }, [token, now, ...seeds]);
}

export function setQueueStatus(redis: Redis, k: EventKeys, to: string, now: number, from: readonly string[]): Promise<{ code: StatusCode; status: string }> {
  return runScript(redis, redisScripts.setQueueStatus, { k }, [to, now, ...from]);
}

/** Writes a room's definition (MySQL version `version`) into the queue-state hash, unless Redis holds a newer one or lost the line. */
export function applyRoom(redis: Redis, k: EventKeys, version: number, set: Record<string, string | number>, remove: readonly string[] = []): Promise<ApplyRoomCode> {
  const pairs = Object.entries(set).flat();
  return runScript(redis, redisScripts.applyRoom, { k }, [version, pairs.length / 2, ...pairs, ...remove]);
}

export interface RestoreArgs {
  token: string;
  now: number;
  kind: "full" | "partial";
  durableServing: number;
  durableSeq: number;
  reserve: number;
  graceMs: number;
  /** the highest number markLost already went over for this restore, and how many it marked (0, 0: none) */
  premarked?: { upTo: number; lost: number };
  /** queue-state fields from MySQL */
  fields: Record<string, string | number>;
  /** unclaimed admissions from MySQL */
  admitted: Array<{ ticketId: string; deadline: number }>;
  /** tickets MySQL knows claimed */
  claimed: string[];
  /** sessions MySQL knows ended */
  ended: string[];
}

/** The widest range one markLost call takes (lua/markLost-4.lua). */
export const MARK_LOST_RANGE = 10_000;

/** Marks [from, to] (at most MARK_LOST_RANGE numbers) as lost ahead of a restore, and extends the lease. */
export function markLost(redis: Redis, k: EventKeys, token: string, from: number, to: number, graceMs: number, leaseMs: number): Promise<{ code: MarkLostCode; marked: number }> {
  return runScript(redis, redisScripts.markLost, { k }, [token, from, to, graceMs, leaseMs]);
}

export function restoreLine(redis: Redis, k: EventKeys, a: RestoreArgs): Promise<RestoreResult> {
  const pairs = Object.entries(a.fields).flat();
  const args: Array<string | number> = [a.token, a.now, a.kind, a.durableServing, a.durableSeq, a.reserve, a.graceMs, a.premarked?.upTo ?? 0, a.premarked?.lost ?? 0, pairs.length / 2, ...pairs];
  args.push(a.admitted.length, ...a.admitted.flatMap((x) => [x.ticketId, x.deadline]));
  args.push(a.claimed.length, ...a.claimed, ...a.ended);
  return runScript(redis, redisScripts.restoreLine, { k }, args);
}
