/**
 * `bun run bench capacity`: measures the sustainable purchase throughput at doubling
 * concurrency, until throughput stops growing or p95 passes the bound, twice:
 *   - database: the real purchase inserts under the unique index (insertOrder), alone;
 *   - purchase-path: what an admitted fan costs, exactly as the overload run's simulated
 *     fans do it: claim the turn (the edge's claimTurn script, sign the active token), then
 *     a hold and a purchase through a real origin's HTTP API (token check, Redis scripts,
 *     payment step, the same insert), the driver on the same machine.
 * The lower of the two binds and is stored for this environment in Redis and in
 * bench/results/capacity-<environment>.json (`kind` says which, `compared` keeps the
 * other), with a table in capacity-<environment>.md. The scheduler derives the admission
 * rate from it (ADMISSION_CAPACITY_SHARE of it, divided by ADMISSION_DB_WORK_PER_FAN).
 *
 * Settings: `settings` below (`bun run bench capacity --help`); `bun run bench crowd` shares
 * the measurement's. Which environment it is stored for is the scheduler's
 * CAPACITY_ENVIRONMENT (local).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import Redis from "ioredis";
import { createDatabase } from "../origin/src/db/client.ts";
import { migrateDatabase } from "../origin/src/db/migrate.ts";
import { CapacityStore, type CapacityLevel, type CapacityResult } from "../origin/src/admission/capacity.ts";
import { bindingCapacity, climbLevels, levelOf, measureCapacity } from "../origin/src/modules/admission/capacity-measurement.ts";
import { parseSchedulerConfig } from "../origin/src/admission/config.ts";
import { ceilingRate } from "../origin/src/admission/settings.ts";
import { eventKeys } from "../common/keys.ts";
import { signActiveToken } from "../common/tokens.ts";
import { forPlainRedis } from "../lua/flags.ts";
import { redisScripts } from "../lua/registry.ts";
import { signingKeyFromEnv } from "../test/kit/dev-sessions.ts";
import { benchEnv } from "./lib/env.ts";
import { declareSettings, flag, int, num, settingsMarkdown, type EffectiveSettings } from "./lib/settings.ts";
import { withStack } from "./lib/stack.ts";

const root = join(import.meta.dir, "..");

/** How the capacity is measured: shared with `bun run bench crowd`, which measures it first. */
export const measurementSettings = {
  BENCH_P95_BOUND_MS: num({ default: 100, min: 1, max: 60_000, doc: "the database's p95 bound (ms): the climb stops at a level above it" }),
  BENCH_PATH_P95_BOUND_MS: num({ min: 1, max: 60_000, derived: "ADMISSION_LATENCY_BOUND_MS (250)", doc: "the purchase path's p95 bound (ms): claim + hold + purchase" }),
  BENCH_MAX_CONCURRENCY: int({ default: 128, min: 1, max: 256, doc: "highest concurrency level tried (levels double from 1)" }),
  BENCH_SEATS_PER_ORDER: int({ default: 1, min: 1, max: 20, doc: "seats in each order the database alone inserts" }),
};

export const settings = declareSettings("capacity", {
  BENCH_LEVEL_MS: int({ default: 3000, min: 100, max: 600_000, doc: "milliseconds each concurrency level runs" }),
  ...measurementSettings,
  BENCH_CAPACITY_PATH: flag({ default: true, doc: "1: the purchase path too; 0: the database alone" }),
});

export interface MeasurementOptions {
  p95BoundMs: number;
  /** unset: the scheduler's ADMISSION_LATENCY_BOUND_MS */
  pathP95BoundMs?: number;
  maxConcurrency: number;
  seatsPerOrder: number;
}

const SEATS_PER_ROW = 500;

export interface PathOptions {
  environment: string;
  env: Record<string, string>;
  redis: Redis;
  levels: number[];
  levelMs: number;
  p95BoundMs: number;
  log?: (line: string) => void;
}

/**
 * The purchase path's capacity: admitted fans each claim their turn (the edge's claimTurn
 * script, then sign the active token), hold one seat and buy it through a real origin's
 * HTTP API (as the edge forwards them), at doubling concurrency. A level's latency is one
 * fan's claim + hold + purchase. Scratch events are deleted afterwards.
 */
export async function measurePurchasePath(o: PathOptions): Promise<CapacityResult> {
  const originAuth = o.env.ORIGIN_AUTH_SECRET?.split(",")[0]?.trim() ?? "";
  const key = signingKeyFromEnv(o.env);
  const admin = { authorization: `Bearer ${o.env.ADMIN_KEY}`, "content-type": "application/json" };
  return withStack(async (stack) => {
    const database = createDatabase(o.env.DATABASE_URL ?? "mysql://root@127.0.0.1:3306/test", 2);
    stack.defer("database", () => database.close());
    // removed after the origin stops
    const scratch = stack.scratchEvents(database.pool, o.redis);
    const origin = await stack.origin({ ...o.env, LOG_REQUESTS: "0", CAPACITY_ENVIRONMENT: o.environment });
    let event = { id: "", seats: 0, next: 0 };
    const newEvent = async (seats: number) => {
      const id = `cap-path-${Date.now().toString(36)}-${crypto.randomUUID().slice(0, 6)}`;
      const rows = Math.ceil(seats / SEATS_PER_ROW);
      const r = await fetch(`${origin.url}/admin/events`, {
        method: "POST",
        headers: admin,
        body: JSON.stringify({
          id,
          name: "capacity measurement",
          venue: "scratch",
          startsAt: new Date(Date.now() + 86_400_000).toISOString(),
          perOrderLimit: 4,
          holdSeconds: 120,
          sections: [{ name: "A", rows, seatsPerRow: SEATS_PER_ROW, tier: "scratch", priceCents: 100 }],
        }),
      });
      scratch(id);
      if (r.status !== 201) throw new Error(`creating scratch event ${id}: ${r.status} ${await r.text()}`);
      // a line with a status: a claim on an event with none is refused while the line is restored
      await o.redis.hset(eventKeys(id).queueState, { status: "open" });
      event = { id, seats: rows * SEATS_PER_ROW, next: 0 };
    };
    /** One admitted fan: claim the turn, hold a seat, buy it. */
    const fan = async (eventId: string, ticket: string, seat: string): Promise<boolean> => {
      const claimKeys = redisScripts.claimTurn.keys(eventKeys(eventId));
      const sid = `s_${crypto.randomUUID().replace(/-/g, "")}`;
      const [code] = (await o.redis.eval(forPlainRedis(redisScripts.claimTurn.source), claimKeys.length, ...claimKeys, ticket, sid, Date.now(), 600_000)) as [number];
      if (code !== 0) return false;
      const token = await signActiveToken({ evt: eventId, sid }, 600, key);
      const auth = { authorization: `Bearer ${token}`, "content-type": "application/json", "x-origin-auth": originAuth };
      const hold = await fetch(`${origin.url}/api/events/${eventId}/holds`, { method: "POST", headers: auth, body: JSON.stringify({ seatIds: [seat] }) });
      if (hold.status !== 201) return false;
      const { holdId } = (await hold.json()) as { holdId: string };
      const p = await fetch(`${origin.url}/api/events/${eventId}/holds/${holdId}/purchase`, { method: "POST", headers: { ...auth, "idempotency-key": crypto.randomUUID() } });
      await p.arrayBuffer();
      return p.status === 201;
    };
    const seatId = (i: number) => `A-${Math.floor(i / SEATS_PER_ROW) + 1}-${(i % SEATS_PER_ROW) + 1}`;
    let best = 0;
    const runLevel = async (concurrency: number): Promise<CapacityLevel> => {
      // enough seats and admitted tickets for twice the best rate so far, made before the clock starts
      const needed = Math.max(3000, Math.ceil(best * 2 * (o.levelMs / 1000)));
      if (event.seats - event.next < needed) await newEvent(needed);
      const { id } = event;
      const tickets = Array.from({ length: Math.min(needed, event.seats - event.next) }, (_, i) => `cap${concurrency}-${i}`);
      const deadline = Date.now() + 600_000;
      for (let i = 0; i < tickets.length; i += 1000) await o.redis.zadd(eventKeys(id).admitted, ...tickets.slice(i, i + 1000).flatMap((t) => [deadline, t]));
      const latencies: number[] = [];
      let errors = 0;
      const started = performance.now();
      const until = started + o.levelMs;
      const worker = async () => {
        while (performance.now() < until) {
          const ticket = tickets.pop();
          if (!ticket || event.next >= event.seats) return;
          const seat = seatId(event.next++);
          const t0 = performance.now();
          const ok = await fan(id, ticket, seat).catch(() => false);
          if (ok) latencies.push(performance.now() - t0);
          else errors++;
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      const level = levelOf(concurrency, latencies, errors, (performance.now() - started) / 1000);
      best = Math.max(best, level.tps);
      return level;
    };
    const minGrowth = 0.05;
    const { measured, chosen, stoppedBecause } = await climbLevels(o.levels, runLevel, { p95BoundMs: o.p95BoundMs, minGrowth, log: o.log });
    return {
      environment: o.environment,
      kind: "purchase-path",
      tps: chosen.tps,
      concurrency: chosen.concurrency,
      p95Ms: chosen.p95Ms,
      levels: measured,
      measuredAt: new Date().toISOString(),
      method: `admitted fans: claimTurn script + sign the active token, then POST hold (1 seat) + POST purchase through one origin's HTTP API (bun origin/src/main.ts, DB_POOL_SIZE ${o.env.DB_POOL_SIZE ?? 16}), the driver on the same machine; scratch events; concurrency ${o.levels.join(",")}; ${o.levelMs} ms per level; latency = claim + hold + purchase; stop when growth < ${minGrowth * 100}% twice or p95 > ${o.p95BoundMs} ms`,
      stoppedBecause,
    } satisfies CapacityResult;
  });
}

export function capacityTable(result: CapacityResult): string {
  const rows = result.levels.map((l) => `| ${l.concurrency} | ${l.tps} | ${l.p50Ms} | ${l.p95Ms} | ${l.purchases} | ${l.errors} |`);
  return ["| concurrency | purchases/s | p50 ms | p95 ms | purchases | errors |", "|---:|---:|---:|---:|---:|---:|", ...rows].join("\n");
}

export interface MeasuredCapacity {
  /** the lower of the kinds measured: what binds, stored for the scheduler */
  result: CapacityResult;
  measured: CapacityResult[];
  /** the admission rate the scheduler derives from it (fans/s) */
  rate: number;
}

/**
 * Measures the database alone and (unless `path` is false) the purchase path at doubling
 * concurrency, stores the lower for the scheduler (Redis and the capacity file) and
 * returns both. `bun run bench capacity` and `bun run bench crowd` both start from it.
 */
export async function measureAndStoreCapacity(o: {
  redis: Redis;
  databaseUrl: string;
  env: Record<string, string>;
  levelMs: number;
  measurement: MeasurementOptions;
  path?: boolean;
  /** the run's settings, stored with the result (capacity-<environment>.json) */
  settings?: EffectiveSettings;
  log?: (line: string) => void;
}): Promise<MeasuredCapacity> {
  const config = parseSchedulerConfig(o.env);
  const { p95BoundMs: bound, maxConcurrency, seatsPerOrder } = o.measurement;
  const levels = [1, 2, 4, 8, 16, 32, 64, 128, 256].filter((c) => c <= maxConcurrency);
  const pathBound = o.measurement.pathP95BoundMs ?? config.adaptive.latencyBoundMs;
  const log = o.log ?? (() => {});
  const database = createDatabase(o.databaseUrl, Math.max(...levels));
  try {
    log("database: insertOrder alone");
    const measured = [await measureCapacity(database, { environment: config.environment, levels, levelMs: o.levelMs, p95BoundMs: bound, seatsPerOrder, log: (line) => log(`  ${line}`) })];
    if (o.path !== false) {
      log("purchase path: claim + hold + purchase through the origin's HTTP API");
      measured.push(await measurePurchasePath({ environment: config.environment, env: o.env, redis: o.redis, levels, levelMs: o.levelMs, p95BoundMs: pathBound, log: (line) => log(`  ${line}`) }));
    }
    const result = bindingCapacity(measured);
    const stored: CapacityResult = o.settings ? Object.assign({}, result, { effectiveSettings: o.settings }) : result;
    await new CapacityStore(o.redis, config.environment, join(root, config.capacityFile)).save(stored);
    return { result, measured, rate: ceilingRate({ rate: null }, result.tps, config).rate };
  } finally {
    await database.close();
  }
}

/** The measurement's settings as measureAndStoreCapacity takes them. */
export function measurementOptions(values: { BENCH_P95_BOUND_MS: number; BENCH_PATH_P95_BOUND_MS: number | undefined; BENCH_MAX_CONCURRENCY: number; BENCH_SEATS_PER_ORDER: number }): MeasurementOptions {
  return {
    p95BoundMs: values.BENCH_P95_BOUND_MS,
    ...(values.BENCH_PATH_P95_BOUND_MS === undefined ? {} : { pathP95BoundMs: values.BENCH_PATH_P95_BOUND_MS }),
    maxConcurrency: values.BENCH_MAX_CONCURRENCY,
    seatsPerOrder: values.BENCH_SEATS_PER_ORDER,
  };
}

export async function run(_args: string[] = []): Promise<void> {
  const { values, effective, derived } = settings.parse();
  const { env, redisUrl, databaseUrl } = await benchEnv();
  const config = parseSchedulerConfig(env);
  const levelMs = values.BENCH_LEVEL_MS;
  const bound = values.BENCH_P95_BOUND_MS;
  const measurePath = values.BENCH_CAPACITY_PATH;
  const pathBound = values.BENCH_PATH_P95_BOUND_MS ?? derived("BENCH_PATH_P95_BOUND_MS", config.adaptive.latencyBoundMs);

  await migrateDatabase(databaseUrl);
  const redis = new Redis(redisUrl);
  try {
    console.log(`bench capacity (${config.environment}): ${navigator.hardwareConcurrency} cores, ${levelMs} ms per level, p95 bound ${bound} ms (database)${measurePath ? `, ${pathBound} ms (purchase path)` : ""}`);
    const { result, measured, rate } = await measureAndStoreCapacity({
      redis,
      databaseUrl,
      env,
      levelMs,
      measurement: measurementOptions(values),
      path: measurePath,
      settings: effective,
      log: (line) => console.log(line),
    });
    const sections = measured.flatMap((m) => [
      `## ${m.kind}${m === measured.find((x) => x.kind === result.kind) ? " (binds: stored)" : ""}`,
      "",
      capacityTable(m),
      "",
      `- capacity: **${m.tps} purchases/s** at concurrency ${m.concurrency} (p95 ${m.p95Ms} ms); stopped: ${m.stoppedBecause}`,
      `- method: ${m.method}`,
      "",
    ]);
    const md = [
      `# bench capacity: ${config.environment} (${result.measuredAt})`,
      "",
      `${navigator.hardwareConcurrency} cores, Bun ${Bun.version}; the driver, the origin and MariaDB share the machine.`,
      "",
      `Stored capacity: **${result.tps} purchases/s**, kind **${result.kind}** (the lower of ${measured.map((m) => `${m.kind} ${m.tps}/s`).join(" and ")}: that is what binds on this machine).`,
      `Admission rate from it: ${config.capacityShare} x ${result.tps} / ${config.dbWorkPerFan} = **${rate.toFixed(1)} fans/s**.`,
      "",
      ...sections,
      ...settingsMarkdown(effective),
      "Run: `bun run bench capacity`",
      "",
    ].join("\n");
    writeFileSync(join(root, "bench", "results", `capacity-${config.environment}.md`), md);
    for (const m of measured) console.log(`\n${m.kind}:\n${capacityTable(m)}\ncapacity ${m.tps} purchases/s (concurrency ${m.concurrency}, p95 ${m.p95Ms} ms, ${m.stoppedBecause})`);
    console.log(`\nstored: ${result.kind} ${result.tps} purchases/s; admission rate ${rate.toFixed(1)} fans/s`);
    console.log(`stored in Redis (cu:capacity:${config.environment}) and ${config.capacityFile}`);
  } finally {
    redis.disconnect();
  }
}

if (import.meta.main) await run(Bun.argv.slice(2));
