/**
 * Settings of the admission scheduler, read from the environment once at start (the
 * per-event settings an admin changes live are in Redis, see settings.ts).
 */
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
  /** a waiting fan not seen for this long has left (same as the edge's) */
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

function num(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) throw new Error(`Invalid configuration: ${name} must be a number between ${min} and ${max}, got ${JSON.stringify(raw)}`);
  return value;
}

export function parseSchedulerConfig(env: Env = process.env): SchedulerConfig {
  const environment = env.CAPACITY_ENVIRONMENT?.trim() || "local";
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(environment)) throw new Error("Invalid configuration: CAPACITY_ENVIRONMENT must be 1-64 letters, digits, '-' or '_'");
  return {
    tickMs: num(env, "ADMISSION_TICK_MS", 200, 20, 2000),
    leaseMs: num(env, "ADMISSION_LEASE_MS", 3000, 500, 60_000),
    capacityShare: num(env, "ADMISSION_CAPACITY_SHARE", 0.75, 0.05, 1),
    dbWorkPerFan: num(env, "ADMISSION_DB_WORK_PER_FAN", 1, 0.01, 100),
    defaultRate: num(env, "ADMISSION_DEFAULT_RATE", 50, 0.01, 100_000),
    defaultMaxActive: num(env, "ADMISSION_MAX_ACTIVE", 1000, 1, 10_000_000),
    defaultSessionSeconds: num(env, "ADMISSION_SESSION_SECONDS", 600, 10, 86_400),
    defaultClaimSeconds: num(env, "ADMISSION_CLAIM_SECONDS", num(env, "CLAIM_WINDOW_SECONDS", 60, 5, 3600), 5, 3600),
    presenceGraceMs: num(env, "PRESENCE_GRACE_SECONDS", 30, 1, 3600) * 1000,
    maxDropsPerTick: num(env, "ADMISSION_MAX_DROPS_PER_TICK", 2000, 1, 100_000),
    burstSeconds: num(env, "ADMISSION_BURST_SECONDS", 0.5, 0.05, 5),
    adaptive: {
      enabledByDefault: (env.ADMISSION_ADAPTIVE?.trim() ?? "on") !== "off",
      latencyBoundMs: num(env, "ADMISSION_LATENCY_BOUND_MS", 250, 1, 60_000),
      windowMs: num(env, "ADMISSION_LATENCY_WINDOW_MS", 5000, 500, 300_000),
      intervalMs: num(env, "ADMISSION_ADAPT_INTERVAL_MS", 1000, 100, 60_000),
      decreaseFactor: num(env, "ADMISSION_ADAPT_DECREASE", 0.7, 0.1, 0.99),
      cooldownMs: num(env, "ADMISSION_ADAPT_COOLDOWN_MS", 3000, 0, 600_000),
      increaseShare: num(env, "ADMISSION_ADAPT_INCREASE", 0.05, 0.001, 1),
      floorShare: num(env, "ADMISSION_ADAPT_FLOOR", 0.05, 0.001, 1),
      minSamples: num(env, "ADMISSION_ADAPT_MIN_SAMPLES", 5, 1, 100_000),
    },
    restore: {
      graceMs: num(env, "RESTORE_GRACE_SECONDS", 300, 10, 86_400) * 1000,
      reserveFloor: Math.floor(num(env, "RESTORE_RESERVE_FLOOR", 1000, 0, 10_000_000)),
      reserveMarginSeconds: num(env, "RESTORE_RESERVE_MARGIN_SECONDS", 5, 0, 3600),
      reserveMaxSeconds: num(env, "RESTORE_RESERVE_MAX_SECONDS", 60, 1, 86_400),
    },
    environment,
    capacityFile: env.CAPACITY_FILE?.trim() || `bench/results/capacity-${environment}.json`,
  };
}
