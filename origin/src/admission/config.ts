/**
 * Settings of the admission scheduler, read from the environment once at start (the
 * per-event settings an admin changes live are in Redis, see settings.ts).
 */
import { declareVariables, numberBounds } from "../../../common/env-variables.ts";
import { CLAIM_WINDOW, PRESENCE_GRACE } from "../../../common/shared-settings.ts";

/** Every variable the scheduler reads: docs/reference/configuration.md is generated from these. */
export const schedulerVariables = declareVariables("admission scheduler", {
  ADMISSION_TICK_MS: { default: 200, min: 20, max: 2000, doc: "how often each event is ticked (5 a second by default)" },
  ADMISSION_LEASE_MS: { default: 3000, min: 500, max: 60_000, doc: "scheduling lease; a crashed leader is replaced within about this long" },
  ADMISSION_CAPACITY_SHARE: { default: 0.75, min: 0.05, max: 1, doc: "share of the measured purchase capacity admissions may use" },
  ADMISSION_DB_WORK_PER_FAN: { default: 1, min: 0.01, max: 100, doc: "purchase transactions per admitted fan; the ceiling rate is share x capacity / this" },
  ADMISSION_DEFAULT_RATE: { default: 50, min: 0.01, max: 100_000, doc: "fans/s when no capacity is measured and no rate was set by hand" },
  ADMISSION_MAX_ACTIVE: { default: 1000, min: 1, max: 10_000_000, doc: "per-event default of live sessions plus unclaimed admissions (admins change it per event)" },
  ADMISSION_SESSION_SECONDS: { default: 600, min: 10, max: 86_400, doc: "per-event default session duration (admins change it per event)" },
  CLAIM_WINDOW_SECONDS: { default: CLAIM_WINDOW.defaultSeconds, min: 5, max: 3600, doc: "the claim window ADMISSION_CLAIM_SECONDS falls back to" },
  ADMISSION_CLAIM_SECONDS: { default: CLAIM_WINDOW.defaultSeconds, min: 5, max: 3600, unset: "CLAIM_WINDOW_SECONDS", doc: "per-event default of how long an admitted fan has to claim (admins change it per event)" },
  PRESENCE_GRACE_SECONDS: { default: PRESENCE_GRACE.defaultSeconds, min: 1, max: 3600, doc: "a waiting fan not seen this long has left and is never admitted (same as the edge's)" },
  ADMISSION_MAX_DROPS_PER_TICK: { default: 2000, min: 1, max: 100_000, doc: "left tickets dropped at the head per tick at most, so one script call stays short" },
  ADMISSION_BURST_SECONDS: { default: 0.5, min: 0.05, max: 5, doc: "the budget never saves up more than this many seconds of admissions" },
  ADMISSION_ADAPTIVE: { default: "on", choices: ["on", "off"], doc: "adaptive mode for events that do not choose (anything but `off` is on)" },
  ADMISSION_LATENCY_BOUND_MS: { default: 250, min: 1, max: 60_000, doc: "purchase database p95 above which the adaptive rate backs off" },
  ADMISSION_LATENCY_WINDOW_MS: { default: 5000, min: 500, max: 300_000, doc: "how far back latency samples count" },
  ADMISSION_ADAPT_INTERVAL_MS: { default: 1000, min: 100, max: 60_000, doc: "how often the adaptive rate decides" },
  ADMISSION_ADAPT_DECREASE: { default: 0.7, min: 0.1, max: 0.99, doc: "the rate is multiplied by this when the p95 is above the bound" },
  ADMISSION_ADAPT_COOLDOWN_MS: { default: 3000, min: 0, max: 600_000, doc: "at most one decrease per this long" },
  ADMISSION_ADAPT_INCREASE: { default: 0.05, min: 0.001, max: 1, doc: "share of the ceiling the rate creeps back by per interval" },
  ADMISSION_ADAPT_FLOOR: { default: 0.05, min: 0.001, max: 1, doc: "the rate never drops below this share of the ceiling" },
  ADMISSION_ADAPT_MIN_SAMPLES: { default: 5, min: 1, max: 100_000, doc: "fewer samples than this say nothing about latency" },
  RESTORE_GRACE_SECONDS: { default: 300, min: 10, max: 86_400, doc: "how long a number a restore found without its ticket (`lost`) waits for its fan" },
  RESTORE_RESERVE_FLOOR: { default: 1000, min: 0, max: 10_000_000, doc: "the fewest numbers a restore adds above the highest known one (whole numbers)" },
  RESTORE_RESERVE_MARGIN_SECONDS: { default: 5, min: 0, max: 3600, doc: "seconds of issuing at the peak rate a restore adds to the time since the checkpoint" },
  RESTORE_RESERVE_MAX_SECONDS: { default: 60, min: 1, max: 86_400, doc: "the time since the checkpoint counts this long at most (Redis was down for the rest, issuing nothing)" },
  CAPACITY_ENVIRONMENT: { default: "local", doc: "name the capacity measurement is stored under (`cu:capacity:<environment>`); 1-64 letters, digits, `-` or `_`" },
  CAPACITY_FILE: { unset: "`bench/results/capacity-<environment>.json`", doc: "file the capacity measurement is also written to, and loaded from when Redis has none" },
});
type SchedulerVariable = keyof typeof schedulerVariables;

export interface SchedulerConfig {
  /** how often each event is ticked */
  tickMs: number;
  /** scheduling lease; a crashed leader is replaced within about this long */
  leaseMs: number;
  /** share of the measured database capacity the admission rate may use */
  capacityShare: number;
  /** purchase transactions an admitted fan costs the database, on average */
  dbWorkPerFan: number;
  /** fans per second when no capacity was measured and none was set by hand */
  defaultRate: number;
  defaultMaxActive: number;
  defaultSessionSeconds: number;
  defaultClaimSeconds: number;
  /** a waiting fan not seen for this long has left (the edge's is the same: common/shared-settings.ts) */
  presenceGraceMs: number;
  /** left tickets dropped per tick at most, so one tick stays short */
  maxDropsPerTick: number;
  /** the budget may save up at most this many seconds of admissions (no bursts) */
  burstSeconds: number;
  adaptive: AdaptiveConfig;
  restore: RestoreConfig;
  /** name under which the capacity measurement is stored */
  environment: string;
  /** file the capacity measurement is also written to */
  capacityFile: string;
}

export interface AdaptiveConfig {
  /** adaptive mode for events that do not choose */
  enabledByDefault: boolean;
  /** purchase latency p95 above which the rate backs off */
  latencyBoundMs: number;
  /** how far back latency samples count */
  windowMs: number;
  /** how often a decision is made */
  intervalMs: number;
  /** multiplicative decrease */
  decreaseFactor: number;
  /** at most one decrease per this long */
  cooldownMs: number;
  /** additive increase per interval, as a share of the ceiling */
  increaseShare: number;
  /** the rate never drops below this share of the ceiling */
  floorShare: number;
  /** fewer samples than this say nothing about latency */
  minSamples: number;
}

/** How the leader rebuilds a line Redis lost (admission/restore.ts). */
export interface RestoreConfig {
  /** how long a number found without its ticket waits for its fan (`lost` expiry) */
  graceMs: number;
  /** the fewest numbers added above the highest known one */
  reserveFloor: number;
  /** seconds of issuing at the peak rate added to the time since the checkpoint */
  reserveMarginSeconds: number;
  /** the time since the checkpoint counts this long at most (Redis was down for the rest, issuing nothing) */
  reserveMaxSeconds: number;
}

type Env = Record<string, string | undefined>;

/** A number within the bounds `schedulerVariables` declares for it; unset is its declared default (or `fallback`). */
function num(env: Env, name: SchedulerVariable, fallback?: number): number {
  const declared = numberBounds("admission scheduler", name, schedulerVariables[name]);
  const { min, max } = declared;
  fallback ??= declared.default;
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) throw new Error(`Invalid configuration: ${name} must be a number between ${min} and ${max}, got ${JSON.stringify(raw)}`);
  return value;
}

export function parseSchedulerConfig(env: Env = process.env): SchedulerConfig {
  const environment = env.CAPACITY_ENVIRONMENT?.trim() || schedulerVariables.CAPACITY_ENVIRONMENT.default;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(environment)) throw new Error("Invalid configuration: CAPACITY_ENVIRONMENT must be 1-64 letters, digits, '-' or '_'");
  return {
    tickMs: num(env, "ADMISSION_TICK_MS"),
    leaseMs: num(env, "ADMISSION_LEASE_MS"),
    capacityShare: num(env, "ADMISSION_CAPACITY_SHARE"),
    dbWorkPerFan: num(env, "ADMISSION_DB_WORK_PER_FAN"),
    defaultRate: num(env, "ADMISSION_DEFAULT_RATE"),
    defaultMaxActive: num(env, "ADMISSION_MAX_ACTIVE"),
    defaultSessionSeconds: num(env, "ADMISSION_SESSION_SECONDS"),
    defaultClaimSeconds: num(env, "ADMISSION_CLAIM_SECONDS", num(env, "CLAIM_WINDOW_SECONDS")),
    presenceGraceMs: num(env, "PRESENCE_GRACE_SECONDS") * 1000,
    maxDropsPerTick: num(env, "ADMISSION_MAX_DROPS_PER_TICK"),
    burstSeconds: num(env, "ADMISSION_BURST_SECONDS"),
    adaptive: {
      enabledByDefault: (env.ADMISSION_ADAPTIVE?.trim() ?? schedulerVariables.ADMISSION_ADAPTIVE.default) !== "off",
      latencyBoundMs: num(env, "ADMISSION_LATENCY_BOUND_MS"),
      windowMs: num(env, "ADMISSION_LATENCY_WINDOW_MS"),
      intervalMs: num(env, "ADMISSION_ADAPT_INTERVAL_MS"),
      decreaseFactor: num(env, "ADMISSION_ADAPT_DECREASE"),
      cooldownMs: num(env, "ADMISSION_ADAPT_COOLDOWN_MS"),
      increaseShare: num(env, "ADMISSION_ADAPT_INCREASE"),
      floorShare: num(env, "ADMISSION_ADAPT_FLOOR"),
      minSamples: num(env, "ADMISSION_ADAPT_MIN_SAMPLES"),
    },
    restore: {
      graceMs: num(env, "RESTORE_GRACE_SECONDS") * 1000,
      reserveFloor: Math.floor(num(env, "RESTORE_RESERVE_FLOOR")),
      reserveMarginSeconds: num(env, "RESTORE_RESERVE_MARGIN_SECONDS"),
      reserveMaxSeconds: num(env, "RESTORE_RESERVE_MAX_SECONDS"),
    },
    environment,
    capacityFile: env.CAPACITY_FILE?.trim() || `bench/results/capacity-${environment}.json`,
  };
}
