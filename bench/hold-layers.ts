/**
 * `bun run bench hold-layers`: where a hold's time goes. The hold route is rebuilt layer
 * by layer (bench/hold-layers-server.ts: a bare route doing one EVALSHA, + the hold script,
 * + the hold service, + the guard and schemas, + every origin plugin), each layer in its
 * own process under the same load, and the CPU that process spends per hold is read from
 * the process itself. Layers are interleaved over BENCH_ROUNDS rounds. Writes
 * bench/results/hold-layers.{json,md}. Settings: `settings` below (`bun run bench hold-layers --help`).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import Redis from "ioredis";
import mysql from "mysql2/promise";
import { buildDeps } from "../origin/src/compose.ts";
import { connectionOptions, createDatabase } from "../origin/src/db/client.ts";
import { migrateDatabase } from "../origin/src/db/migrate.ts";
import { parseConfig } from "../origin/src/config.ts";
import { createEvent } from "../origin/src/modules/admin/service.ts";
import { SimulatedPaymentProvider } from "../origin/src/payments/simulated.ts";
import { freePort } from "../test/kit/free-port.ts";
import { waitUntil } from "../test/kit/wait.ts";
import { mintActiveSessions, signingKeyFromEnv } from "../test/kit/dev-sessions.ts";
import { LAYERS, type Layer } from "./lib/hold-layers.ts";
import { benchEnv } from "./lib/env.ts";
import { declareSettings, int, settingsMarkdown, text, SettingError, type EffectiveSettings } from "./lib/settings.ts";
import { withStack } from "./lib/stack.ts";
import { Meter, slice, warm } from "./origin-load.ts";

export const settings = declareSettings("hold-layers", {
  BENCH_ROUNDS: int({ default: 2, min: 1, max: 20, doc: "interleaved rounds: every layer runs once in each" }),
  BENCH_OPS: int({ default: 7_000, min: 1, max: 19_000, doc: "holds per layer and round (all of them share one event's 100,000 seats)" }),
  BENCH_CONCURRENCY: int({ default: 64, min: 1, max: 4096, doc: "holds in flight" }),
  BENCH_PROFILE_DIR: text({ pattern: /^[^\0]+$/, shape: "a folder", derived: "no profiles", doc: "write each layer's CPU profile there, as Markdown, for a look inside" }),
});

const root = join(import.meta.dir, "..");
const WARM = 500;
const SEATS_PER_SESSION = 20;
const SEATS = 100_000;

const LABELS: Record<Layer, string> = {
  evalsha: "bare route + one EVALSHA",
  script: "+ hold script (holdSeats-6)",
  service: "+ hold service",
  route: "+ guard and schemas",
  origin: "+ origin plugins (the app)",
};

export async function run(_args: string[] = []): Promise<void> {
  const { values, effective } = settings.parse();
  const { BENCH_ROUNDS: ROUNDS, BENCH_OPS: OPS, BENCH_CONCURRENCY: CONCURRENCY, BENCH_PROFILE_DIR: profileDir } = values;
  const needed = LAYERS.length * ROUNDS * (OPS + WARM);
  if (needed > SEATS) throw new SettingError("BENCH_OPS", `${needed} holds need more than the event's ${SEATS} seats: lower BENCH_OPS or BENCH_ROUNDS`);
  const { env, originAuth, redisUrl, databaseUrl } = await benchEnv();
  await migrateDatabase(databaseUrl);
  const config = parseConfig({ ...env, REDIS_URL: redisUrl, DATABASE_URL: databaseUrl });
  const redis = new Redis(redisUrl);
  const database = createDatabase(databaseUrl, 4);
  const pool = mysql.createPool({ ...connectionOptions(databaseUrl), connectionLimit: 2 });
  const deps = buildDeps({ config, redis, database, payments: new SimulatedPaymentProvider("approve", 0) });
  const eventId = `bench-layers-${Date.now().toString(36)}`;
  const machine = { cpus: navigator.hardwareConcurrency, bun: Bun.version, platform: `${process.platform}-${process.arch}`, loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100) };
  console.log(`bench hold-layers: ${LAYERS.length} layers x ${ROUNDS} rounds, ${OPS} holds each, concurrency ${CONCURRENCY}`);
  await withStack(async (stack) => {
    stack.defer("connections", async () => {
      redis.disconnect();
      await Promise.all([database.close(), pool.end()]);
    });
    stack.scratchEvents(pool, redis)(eventId);
    await createEvent(deps, {
      id: eventId, name: "Bench layers", venue: "Bench hall", startsAt: "2030-01-01T20:00:00.000Z", perOrderLimit: SEATS_PER_SESSION, holdSeconds: 600,
      sections: [{ name: "A", rows: SEATS / 500, seatsPerRow: 500, tier: "standard", priceCents: 5000 }],
    });
    const sessions = await mintActiveSessions(redis, { eventId, count: SEATS / SEATS_PER_SESSION, ttlSeconds: 3600, key: signingKeyFromEnv(env) });
    const seat = (i: number) => `A-${Math.floor(i / 500) + 1}-${(i % 500) + 1}`;
    let nextSeat = 0;
    const meters = Object.fromEntries(LAYERS.map((l) => [l, new Meter(LABELS[l], CONCURRENCY)])) as Record<Layer, Meter>;
    const cpu: Record<Layer, { microseconds: number; ops: number }> = Object.fromEntries(LAYERS.map((l) => [l, { microseconds: 0, ops: 0 }])) as never;

    for (let round = 0; round < ROUNDS; round++) {
      for (const layer of LAYERS) {
        // each layer in a process of its own, stopped before the next starts
        await withStack(async (layerStack) => {
          const port = await freePort();
          const profile = profileDir ? ["--cpu-prof-md", `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${layer}-${round}.md`] : [];
          const server = Bun.spawn(["bun", ...profile, "bench/hold-layers-server.ts", layer], {
            cwd: root,
            env: { ...env, PORT: String(port), EVENT_ID: eventId, REDIS_URL: redisUrl, DATABASE_URL: databaseUrl, LOG_REQUESTS: "0" },
            stdout: "ignore",
            stderr: "inherit",
          });
          layerStack.process(`hold layer ${layer}`, server);
          const url = `http://127.0.0.1:${port}`;
          await waitUntil(`hold layer ${layer}`, async () => (await fetch(`${url}/cpu`)).ok);
          const hold = async () => {
            const i = nextSeat++;
            const r = await fetch(`${url}/api/events/${eventId}/holds`, {
              method: "POST",
              headers: { "content-type": "application/json", authorization: `Bearer ${sessions[Math.floor(i / SEATS_PER_SESSION)]!.token}`, "x-origin-auth": originAuth },
              body: JSON.stringify({ seatIds: [seat(i)] }),
            });
            await r.arrayBuffer();
            return r.status === 201;
          };
          await warm(CONCURRENCY, WARM, hold);
          const cpuNow = async () => ((await (await fetch(`${url}/cpu`)).json()) as { microseconds: number }).microseconds;
          const before = await cpuNow();
          const opsBefore = meters[layer].ops;
          await slice(meters[layer], 600, hold, meters[layer].next + OPS);
          cpu[layer].microseconds += (await cpuNow()) - before;
          cpu[layer].ops += meters[layer].ops - opsBefore;
        });
      }
    }
    const rows = LAYERS.map((layer) => {
      const r = meters[layer].print();
      return { layer, ...r, serverCpuMicrosecondsPerHold: Math.round((cpu[layer].microseconds / cpu[layer].ops) * 10) / 10 };
    });
    report(rows, machine, { ROUNDS, OPS, CONCURRENCY }, effective);
  });
}

function report(
  rows: Array<{ layer: Layer; name: string; perSecond: number; p50ms: number; p95ms: number; errors: number; serverCpuMicrosecondsPerHold: number }>,
  machine: Record<string, unknown>,
  { ROUNDS, OPS, CONCURRENCY }: { ROUNDS: number; OPS: number; CONCURRENCY: number },
  effective: EffectiveSettings,
) {
  const base = rows[0]!;
  const at = new Date().toISOString();
  const lines = rows.map((r, i) => {
    const added = i === 0 ? "-" : (r.serverCpuMicrosecondsPerHold - rows[i - 1]!.serverCpuMicrosecondsPerHold).toFixed(1);
    return `| ${r.name} | ${r.perSecond} | ${(r.perSecond / base.perSecond).toFixed(2)} | ${r.p50ms.toFixed(2)} | ${r.p95ms.toFixed(2)} | ${r.serverCpuMicrosecondsPerHold} | ${added} | ${r.errors} |`;
  });
  const md = [
    `# bench hold-layers (${at})`,
    "",
    `${machine.cpus} cores, Bun ${machine.bun}, ${machine.platform}; concurrency ${CONCURRENCY}; ${ROUNDS} interleaved rounds of ${OPS} holds per layer; driver, server, Redis and MariaDB share the machine.`,
    "",
    "| layer | holds/s | vs first row | p50 ms | p95 ms | server CPU per hold (us) | added by the layer (us) | errors |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
    ...lines,
    "",
    "Each row adds one layer to the one above it; the last row is the origin app itself. Every layer but the first verifies each session's token once per process (20 holds per session).",
    "",
    ...settingsMarkdown(effective),
    "Run: `bun run bench hold-layers`",
    "",
  ].join("\n");
  const dir = join(import.meta.dir, "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "hold-layers.json"), JSON.stringify({ at, machine: { ...machine, loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100) }, rounds: ROUNDS, opsPerSlice: OPS, concurrency: CONCURRENCY, rows, effectiveSettings: effective }, null, 2) + "\n");
  writeFileSync(join(dir, "hold-layers.md"), md);
  console.log("\n" + md);
}

if (import.meta.main) await run(Bun.argv.slice(2));
