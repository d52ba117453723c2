/**
 * `bun run bench capacity`: measures the database's sustainable purchase throughput (the
 * real purchase inserts under the unique index, at doubling concurrency, until throughput
 * stops growing or p95 passes the bound) and stores it for this environment in Redis and in
 * bench/results/capacity-<environment>.json, with a table in capacity-<environment>.md.
 * The scheduler derives the admission rate from it (ADMISSION_CAPACITY_SHARE of it, divided
 * by ADMISSION_DB_WORK_PER_FAN).
 *
 * Knobs: CAPACITY_ENVIRONMENT (local), BENCH_LEVEL_MS (3000), BENCH_P95_BOUND_MS (100),
 * BENCH_MAX_CONCURRENCY (128), BENCH_SEATS_PER_ORDER (1).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import Redis from "ioredis";
import { createDatabase } from "../origin/src/db/client.ts";
import { migrateDatabase } from "../origin/src/db/migrate.ts";
import { CapacityStore, measureCapacity, type CapacityResult } from "../origin/src/scheduler/capacity.ts";
import { parseSchedulerConfig } from "../origin/src/scheduler/config.ts";
import { ceilingRate } from "../origin/src/scheduler/settings.ts";

const root = join(import.meta.dir, "..");

export function capacityTable(result: CapacityResult): string {
  const rows = result.levels.map((l) => `| ${l.concurrency} | ${l.tps} | ${l.p50Ms} | ${l.p95Ms} | ${l.purchases} | ${l.errors} |`);
  return ["| concurrency | purchases/s | p50 ms | p95 ms | purchases | errors |", "|---:|---:|---:|---:|---:|---:|", ...rows].join("\n");
}

export async function run(_args: string[] = []): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL ?? "mysql://root@127.0.0.1:3306/test";
  const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  const config = parseSchedulerConfig(process.env);
  const levelMs = Number(process.env.BENCH_LEVEL_MS ?? 3000);
  const bound = Number(process.env.BENCH_P95_BOUND_MS ?? 100);
  const maxConcurrency = Number(process.env.BENCH_MAX_CONCURRENCY ?? 128);
  const seatsPerOrder = Number(process.env.BENCH_SEATS_PER_ORDER ?? 1);
  const levels = [1, 2, 4, 8, 16, 32, 64, 128, 256].filter((c) => c <= maxConcurrency);
  const poolSize = Math.max(...levels);

  await migrateDatabase(databaseUrl);
  const database = createDatabase(databaseUrl, poolSize);
  const redis = new Redis(redisUrl);
  try {
    console.log(`bench capacity (${config.environment}): ${navigator.hardwareConcurrency} cores, ${levelMs} ms per level, p95 bound ${bound} ms`);
    const result = await measureCapacity(database, { environment: config.environment, levels, levelMs, p95BoundMs: bound, seatsPerOrder, log: (line) => console.log(`  ${line}`) });
    const store = new CapacityStore(redis, config.environment, join(root, config.capacityFile));
    await store.save(result);
    const rate = ceilingRate({ rate: null }, result.tps, config).rate;
    const md = [
      `# bench capacity: ${config.environment} (${result.measuredAt})`,
      "",
      `${navigator.hardwareConcurrency} cores, Bun ${Bun.version}; the driver and MariaDB share the machine.`,
      "",
      capacityTable(result),
      "",
      `- capacity: **${result.tps} purchases/s** at concurrency ${result.concurrency} (p95 ${result.p95Ms} ms); stopped: ${result.stoppedBecause}`,
      `- admission rate from it: ${config.capacityShare} x ${result.tps} / ${config.dbWorkPerFan} = **${rate.toFixed(1)} fans/s**`,
      `- method: ${result.method}`,
      "",
      "Run: `bun run bench capacity`",
      "",
    ].join("\n");
    writeFileSync(join(root, "bench", "results", `capacity-${config.environment}.md`), md);
    console.log(`\n${capacityTable(result)}\n\ncapacity ${result.tps} purchases/s (concurrency ${result.concurrency}, p95 ${result.p95Ms} ms, ${result.stoppedBecause}); admission rate ${rate.toFixed(1)} fans/s`);
    console.log(`stored in Redis (cu:capacity:${config.environment}) and ${config.capacityFile}`);
  } finally {
    redis.disconnect();
    await database.close();
  }
}

if (import.meta.main) await run(Bun.argv.slice(2));
