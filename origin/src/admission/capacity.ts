/**
 * The measured purchase capacity of each environment, which caps the admission rate when
 * no rate is set by hand (settings.ts, ceilingRate): kept in Redis for the running origins
 * and in a file for the record. What a measurement holds is defined here; the load that
 * measures it is generated apart, in modules/admission/capacity-measurement.ts
 * (POST /admin/capacity/measure and `bun run bench capacity`).
 */
import { dirname } from "node:path";
import { mkdir } from "node:fs/promises";
import type Redis from "ioredis";
import { globalKeys } from "../../../common/keys.ts";

export interface CapacityLevel {
  concurrency: number;
  purchases: number;
  tps: number;
  p50Ms: number;
  p95Ms: number;
  errors: number;
}

/**
 * What a measurement timed: the database's purchase transactions alone, or the whole
 * purchase path of a fan through the origin's HTTP API (hold + purchase).
 */
export type CapacityKind = "database" | "purchase-path";

export type StoppedBecause = "plateau" | "latency" | "max-concurrency";

/** Another measurement of the same run, kept for the record. */
export interface CapacitySummary {
  kind: CapacityKind;
  tps: number;
  concurrency: number;
  p95Ms: number;
  measuredAt: string;
  method: string;
  stoppedBecause: StoppedBecause;
}

export interface CapacityResult {
  environment: string;
  /** what was measured; results stored before this field existed are "database" */
  kind?: CapacityKind;
  /** sustainable purchases per second */
  tps: number;
  /** concurrency at which it was reached */
  concurrency: number;
  p95Ms: number;
  levels: CapacityLevel[];
  measuredAt: string;
  method: string;
  stoppedBecause: StoppedBecause;
  /** the other measurements of the same run (their tps is higher: this one binds) */
  compared?: CapacitySummary[];
}

/** Where the measured capacity of each environment is kept: Redis for the running origins, a file for the record. */
export class CapacityStore {
  private cached: { at: number; value: CapacityResult | null } | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly environment: string,
    private readonly file: string,
    private readonly cacheMs = 5000,
  ) {}

  async save(result: CapacityResult): Promise<void> {
    await this.redis.hset(globalKeys.capacity(this.environment), { tps: result.tps, measuredAt: result.measuredAt, json: JSON.stringify(result) });
    this.cached = { at: Date.now(), value: result };
    await mkdir(dirname(this.file), { recursive: true });
    await Bun.write(this.file, `${JSON.stringify(result, null, 2)}\n`);
  }

  /** The stored measurement (cached for a few seconds); loads the file into Redis when Redis has none. */
  async get(): Promise<CapacityResult | null> {
    if (this.cached && Date.now() - this.cached.at < this.cacheMs) return this.cached.value;
    let value: CapacityResult | null = null;
    const json = await this.redis.hget(globalKeys.capacity(this.environment), "json");
    if (json) value = JSON.parse(json) as CapacityResult;
    else {
      const file = Bun.file(this.file);
      if (await file.exists()) {
        try {
          value = (await file.json()) as CapacityResult;
          if (value.environment === this.environment && value.tps > 0) {
            await this.redis.hset(globalKeys.capacity(this.environment), { tps: value.tps, measuredAt: value.measuredAt, json: JSON.stringify(value) });
          } else value = null;
        } catch {
          value = null;
        }
      }
    }
    this.cached = { at: Date.now(), value };
    return value;
  }
}
