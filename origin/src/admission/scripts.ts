/**
 * Typed calls of the admission scripts (lua/admission.ts). Keys come from the key builder
 * only; each script is defined once per client with `defineCommand` (EVALSHA, falling back
 * to EVAL after a Redis restart).
 */
import type Redis from "ioredis";
import type { EventKeys } from "../../../common/keys.ts";
import { admissionScripts, type AdmissionScriptName, type AdmitCode, type ApplyRoomCode, type LeaseCode, type OpenSaleCode, type RenewCode, type RestoreCode, type StatusCode } from "../../../lua/admission.ts";

type Raw = (...keysAndArgs: Array<string | number>) => Promise<unknown[]>;
const defined = new WeakSet<Redis>();

/** Defines the admission scripts on a client (idempotent). */
export function defineAdmissionScripts(redis: Redis): void {
  if (defined.has(redis)) return;
  for (const script of Object.values(admissionScripts)) {
    redis.defineCommand(`cu_${script.name}`, { lua: script.source, numberOfKeys: script.numberOfKeys });
  }
  defined.add(redis);
}

function run(redis: Redis, name: AdmissionScriptName, k: EventKeys, args: Array<string | number>): Promise<unknown[]> {
  defineAdmissionScripts(redis);
  const command = (redis as unknown as Record<string, Raw>)[`cu_${name}`]!.bind(redis);
  return command(...admissionScripts[name].keys(k), ...args);
}

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
}

export interface AdmitResult {
  code: AdmitCode;
  admitted: number;
  abandoned: number;
  claimExpired: number;
  sessionsEnded: number;
  waiting: number;
  active: number;
  unclaimed: number;
  serving: number;
  /** measured admissions per second over the last minute */
  admitRate: number;
  /** the ticket counter: the last queue number issued */
  seq: number;
  /** the claim deadline (ms) of the tickets admitted in this call */
  deadline: number;
  /** the tickets admitted in this call, with their numbers */
  admittedTickets: Array<{ ticketId: string; number: number }>;
}

export async function admitFans(redis: Redis, k: EventKeys, a: AdmitArgs): Promise<AdmitResult> {
  const r = await run(redis, "admitFans", k, [a.token, a.now, a.budget, a.maxActive, a.claimMs, a.presenceGraceMs, a.sessionMs, a.maxDrops]);
  const n = r.slice(0, 12).map(Number);
  const taken = (r[12] ?? []) as Array<string | number>;
  const admittedTickets: AdmitResult["admittedTickets"] = [];
  for (let i = 0; i + 1 < taken.length; i += 2) admittedTickets.push({ ticketId: String(taken[i]), number: Number(taken[i + 1]) });
  return {
    code: n[0] as AdmitCode,
    admitted: n[1]!,
    abandoned: n[2]!,
    claimExpired: n[3]!,
    sessionsEnded: n[4]!,
    waiting: n[5]!,
    active: n[6]!,
    unclaimed: n[7]!,
    serving: n[8]!,
    admitRate: n[9]!,
    seq: n[10]!,
    deadline: n[11]!,
    admittedTickets,
  };
}

export async function acquireLease(redis: Redis, k: EventKeys, instanceId: string, leaseMs: number): Promise<{ code: LeaseCode; token: string }> {
  const [code, token] = await run(redis, "acquireLease", k, [instanceId, leaseMs]);
  return { code: Number(code) as LeaseCode, token: String(token) };
}

/** Extends the lease; `leaseMs` 0 releases it. */
export async function renewLease(redis: Redis, k: EventKeys, token: string, leaseMs: number): Promise<RenewCode> {
  const [code] = await run(redis, "renewLease", k, [token, leaseMs]);
  return Number(code) as RenewCode;
}

/** Four 32-bit seeds from a cryptographic source, never all zero (xorshift128 needs one bit set). */
export function lotterySeeds(): number[] {
  const seeds: number[] = [...crypto.getRandomValues(new Uint32Array(4))];
  if (!seeds.some((s) => s !== 0)) seeds[0] = 1;
  return seeds;
}

export async function openSale(redis: Redis, k: EventKeys, token: string, now: number, seeds = lotterySeeds()): Promise<{ code: OpenSaleCode; drawn: number }> {
  const [code, drawn] = await run(redis, "openSale", k, [token, now, ...seeds]);
  return { code: Number(code) as OpenSaleCode, drawn: Number(drawn) };
}

export async function setQueueStatus(redis: Redis, k: EventKeys, to: string, now: number, from: readonly string[]): Promise<{ code: StatusCode; status: string }> {
  const [code, status] = await run(redis, "setQueueStatus", k, [to, now, ...from]);
  return { code: Number(code) as StatusCode, status: String(status) };
}

/** Writes a room's definition (MySQL version `version`) into the queue-state hash, unless Redis holds a newer one or lost the line. */
export async function applyRoom(redis: Redis, k: EventKeys, version: number, set: Record<string, string | number>, remove: readonly string[] = []): Promise<ApplyRoomCode> {
  const pairs = Object.entries(set).flat();
  const [code] = await run(redis, "applyRoom", k, [version, pairs.length / 2, ...pairs, ...remove]);
  return Number(code) as ApplyRoomCode;
}

export interface RestoreArgs {
  token: string;
  now: number;
  kind: "full" | "partial";
  durableServing: number;
  durableSeq: number;
  reserve: number;
  graceMs: number;
  /** queue-state fields from MySQL */
  fields: Record<string, string | number>;
  /** unclaimed admissions from MySQL */
  admitted: Array<{ ticketId: string; deadline: number }>;
  /** tickets MySQL knows claimed */
  claimed: string[];
  /** sessions MySQL knows ended */
  ended: string[];
}

export interface RestoreResult {
  code: RestoreCode;
  serving: number;
  seq: number;
  lost: number;
  dropped: number;
}

export async function restoreLine(redis: Redis, k: EventKeys, a: RestoreArgs): Promise<RestoreResult> {
  const pairs = Object.entries(a.fields).flat();
  const args: Array<string | number> = [a.token, a.now, a.kind, a.durableServing, a.durableSeq, a.reserve, a.graceMs, pairs.length / 2, ...pairs];
  args.push(a.admitted.length, ...a.admitted.flatMap((x) => [x.ticketId, x.deadline]));
  args.push(a.claimed.length, ...a.claimed, ...a.ended);
  const [code, serving, seq, lost, dropped] = (await run(redis, "restoreLine", k, args)).map(Number);
  return { code: code as RestoreCode, serving: serving!, seq: seq!, lost: lost!, dropped: dropped! };
}
