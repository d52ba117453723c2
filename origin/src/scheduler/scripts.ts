/**
 * Typed calls of the admission scripts (lua/admission.ts). Keys come from the key builder
 * only; each script is defined once per client with `defineCommand` (EVALSHA, falling back
 * to EVAL after a Redis restart).
 */
import type Redis from "ioredis";
import type { EventKeys } from "../../../common/keys.ts";
import { admissionScripts, type AdmissionScriptName, type AdmitCode, type LeaseCode, type OpenSaleCode, type RenewCode, type StatusCode } from "../../../lua/admission.ts";

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
}

export async function admitFans(redis: Redis, k: EventKeys, a: AdmitArgs): Promise<AdmitResult> {
  const r = await run(redis, "admitFans", k, [a.token, a.now, a.budget, a.maxActive, a.claimMs, a.presenceGraceMs, a.sessionMs, a.maxDrops]);
  const n = r.map(Number);
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
