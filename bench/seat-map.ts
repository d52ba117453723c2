/**
 * `bun run bench seat-map`: fans refreshing the seat map of a large event. In one run, on
 * this machine, interleaved over BENCH_ROUNDS rounds:
 *   bare (status size)  a bare Elysia route answering as many bytes as /seats/status, built once;
 *   GET /seats/status   one letter per seat (what the sale page polls every 3 s);
 *   bare (map size)     a bare Elysia route answering as many bytes as /seats;
 *   GET /seats          the full map (what the sale page loads once);
 * then prints refreshes/s, p50/p95/p99, the ratio of each route to the bare route sending
 * the same bytes, how many refreshes shared one Redis read of the seats (SMEMBERS calls from
 * INFO commandstats), and the CPU each process spent per refresh. Some seats are held and
 * sold first, so the map is not uniform. Writes bench/results/seat-map.{json,md}.
 * Settings: `settings` below (`bun run bench seat-map --help`).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import Redis from "ioredis";
import mysql from "mysql2/promise";
import { connectionOptions } from "../origin/src/db/client.ts";
import { migrateDatabase } from "../origin/src/db/migrate.ts";
import { mintActiveSessions, signingKeyFromEnv } from "../test/kit/dev-sessions.ts";
import { benchEnv } from "./lib/env.ts";
import { findProcess, ProcessCpu } from "./lib/process-cpu.ts";
import { declareSettings, int, settingsMarkdown, type EffectiveSettings } from "./lib/settings.ts";
import { withStack } from "./lib/stack.ts";
import { adminApi } from "../test/kit/events.ts";
import { Meter, slice, warm, type LoadResult } from "./origin-load.ts";

export const settings = declareSettings("seat-map", {
  BENCH_SEATS: int({ default: 20_000, min: 1, max: 1_000_000, doc: "seats of the event (rounded up to whole rows of 500)" }),
  BENCH_CONCURRENCY: int({ default: 256, min: 1, max: 4096, doc: "fans polling at once (about what one Bun fetch client keeps open to a host)" }),
  BENCH_SECONDS: int({ default: 4, min: 1, max: 3600, doc: "seconds each phase is measured for, over all rounds" }),
  BENCH_ROUNDS: int({ default: 4, min: 1, max: 100, doc: "interleaved rounds: every phase runs a slice in each" }),
});

const PER_ROW = 500;

export async function run(_args: string[] = []): Promise<void> {
  const { values, effective } = settings.parse();
  const { BENCH_SEATS: SEATS, BENCH_CONCURRENCY: CONCURRENCY, BENCH_SECONDS: SECONDS, BENCH_ROUNDS: ROUNDS } = values;
  const { env, originAuth, redisUrl, databaseUrl } = await benchEnv();
  const rows = Math.ceil(SEATS / PER_ROW);
  const seatCount = rows * PER_ROW;
  const eventId = `bench-map-${Date.now().toString(36)}`;
  const machine = { cpus: navigator.hardwareConcurrency, bun: Bun.version, platform: `${process.platform}-${process.arch}`, loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100) };
  console.log(`bench seat-map: ${seatCount} seats, ${ROUNDS} interleaved rounds, ${SECONDS}s per phase in all, concurrency ${CONCURRENCY}`);
  await withStack(async (stack) => {
    const redis = new Redis(redisUrl);
    const pool = mysql.createPool({ ...connectionOptions(databaseUrl), connectionLimit: 2 });
    stack.defer("connections", async () => {
      redis.disconnect();
      await pool.end();
    });
    await migrateDatabase(databaseUrl);
    const bare = await stack.bareServer({ ...env, REDIS_URL: redisUrl, DATABASE_URL: databaseUrl });
    const origin = await stack.origin({ ...env, REDIS_URL: redisUrl, DATABASE_URL: databaseUrl, LOG_REQUESTS: "0" });
    await adminApi(origin.url, env.ADMIN_KEY).createEvent({ id: eventId, name: "Bench map", venue: "Bench hall", perOrderLimit: 10, holdSeconds: 600, sections: [{ name: "A", rows, seatsPerRow: PER_ROW, tier: "standard", priceCents: 5000 }] });
    stack.scratchEvents(pool, redis)(eventId);

    const key = signingKeyFromEnv(env);
    const headersOf = (token: string) => ({ authorization: `Bearer ${token}`, "x-origin-auth": originAuth });
    // Every tenth seat held, every twentieth of those bought.
    const holders = await mintActiveSessions(redis, { eventId, count: Math.floor(seatCount / 10 / 10), ttlSeconds: 3600, key });
    await Promise.all(
      holders.map(async (fan, f) => {
        const seatIds = Array.from({ length: 10 }, (_, j) => (f * 10 + j) * 10).map((i) => `A-${Math.floor(i / PER_ROW) + 1}-${(i % PER_ROW) + 1}`);
        const held = await fetch(`${origin.url}/api/events/${eventId}/holds`, { method: "POST", headers: { ...headersOf(fan.token), "content-type": "application/json" }, body: JSON.stringify({ seatIds }) });
        const { holdId } = (await held.json()) as { holdId: string };
        if (f % 20 === 0) await fetch(`${origin.url}/api/events/${eventId}/holds/${holdId}/purchase`, { method: "POST", headers: { ...headersOf(fan.token), "idempotency-key": `bench-${f}` } });
      }),
    );
    const viewers = await mintActiveSessions(redis, { eventId, count: CONCURRENCY * 4, ttlSeconds: 3600, key });
    const size = async (path: string) => (await (await fetch(`${origin.url}${path}`, { headers: headersOf(viewers[0]!.token) })).arrayBuffer()).byteLength;
    const statusBytes = await size(`/api/events/${eventId}/seats/status`);
    const mapBytes = await size(`/api/events/${eventId}/seats`);

    const get = (url: string, headers: Record<string, string> = {}) => async () => {
      const r = await fetch(url, { headers });
      await r.arrayBuffer();
      return r.ok;
    };
    const viewer = (i: number) => headersOf(viewers[i % viewers.length]!.token);
    const phases = {
      bareStatus: { meter: new Meter("bare route (status size)", CONCURRENCY), op: get(`${bare.url}/bare/bytes/${statusBytes}`) },
      status: { meter: new Meter("GET /seats/status", CONCURRENCY), op: (i: number) => get(`${origin.url}/api/events/${eventId}/seats/status`, viewer(i))() },
      bareMap: { meter: new Meter("bare route (map size)", CONCURRENCY), op: get(`${bare.url}/bare/bytes/${mapBytes}`) },
      map: { meter: new Meter("GET /seats", CONCURRENCY), op: (i: number) => get(`${origin.url}/api/events/${eventId}/seats`, viewer(i))() },
    };
    for (const phase of Object.values(phases)) await warm(CONCURRENCY, 200, phase.op);

    const cpu = new ProcessCpu({ driver: process.pid, origin: origin.pid, "bare server": bare.pid, redis: findProcess("redis-server") });
    const seatReads: Record<string, number> = {};
    const smembersCalls = async () => Number(/cmdstat_smembers:calls=(\d+)/.exec(await redis.info("commandstats"))?.[1] ?? 0);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, phase] of Object.entries(phases)) {
        const before = await smembersCalls();
        await cpu.measure(name, () => slice(phase.meter, SECONDS / ROUNDS, phase.op));
        seatReads[name] = (seatReads[name] ?? 0) + (await smembersCalls()) - before;
      }
    }
    const results = Object.fromEntries(Object.entries(phases).map(([name, p]) => [name, p.meter.print()])) as Record<keyof typeof phases, LoadResult>;
    const cpuPerOp = Object.fromEntries(Object.entries(phases).map(([name, p]) => [name, cpu.perOperation(name, p.meter.ops)]));
    report({ results, cpuPerOp, seatReads, statusBytes, mapBytes, seatCount, machine, CONCURRENCY, ROUNDS, SECONDS, effective });
  });
}

function report(r: {
  results: Record<string, LoadResult>;
  cpuPerOp: Record<string, Record<string, number>>;
  seatReads: Record<string, number>;
  statusBytes: number;
  mapBytes: number;
  seatCount: number;
  machine: Record<string, unknown>;
  CONCURRENCY: number;
  ROUNDS: number;
  SECONDS: number;
  effective: EffectiveSettings;
}) {
  const { results: res, CONCURRENCY, ROUNDS, SECONDS } = r;
  const ratio = (a: LoadResult, b: LoadResult) => Math.round((a.perSecond / b.perSecond) * 1000) / 1000;
  const perRead = (name: string) => (!name.startsWith("bare") && r.seatReads[name] ? Math.round((res[name]!.ops / r.seatReads[name]!) * 10) / 10 : null);
  const ratios = { statusVsBare: ratio(res.status!, res.bareStatus!), mapVsBare: ratio(res.map!, res.bareMap!), statusVsMap: ratio(res.status!, res.map!) };
  const sharing = { status: perRead("status"), map: perRead("map") };
  const procs = ["driver", "origin", "bare server", "redis"];
  const at = new Date().toISOString();
  const md = [
    `# bench seat-map (${at})`,
    "",
    `${r.machine.cpus} cores, Bun ${r.machine.bun}; ${r.seatCount} seats (10% held, 0.5% sold); concurrency ${CONCURRENCY}; ${ROUNDS} interleaved rounds, ${SECONDS}s per phase in all; driver, origin, bare server and Redis share the machine. /seats/status is ${r.statusBytes} bytes, /seats ${r.mapBytes} bytes.`,
    "",
    "| phase | refreshes/s | p50 ms | p95 ms | p99 ms | errors | refreshes per Redis seat read |",
    "|---|---:|---:|---:|---:|---:|---:|",
    ...Object.entries(res).map(([name, x]) => `| ${x.name} | ${x.perSecond} | ${x.p50ms.toFixed(2)} | ${x.p95ms.toFixed(2)} | ${x.p99ms.toFixed(2)} | ${x.errors} | ${perRead(name) ?? "-"} |`),
    "",
    `- GET /seats/status / bare route sending the same bytes: **${ratios.statusVsBare.toFixed(2)}**`,
    `- GET /seats / bare route sending the same bytes: **${ratios.mapVsBare.toFixed(2)}**`,
    `- GET /seats/status / GET /seats: ${ratios.statusVsMap.toFixed(1)}`,
    `- refreshes served per Redis read of the seats: ${sharing.status} (status), ${sharing.map} (map); without sharing it would be 1`,
    "",
    "CPU per refresh, microseconds (user + system from /proc, during the measured slices):",
    "",
    `| phase | ${procs.join(" | ")} |`,
    `|---|${procs.map(() => "---:").join("|")}|`,
    ...Object.entries(res).map(([name, x]) => `| ${x.name} | ${procs.map((p) => r.cpuPerOp[name]?.[p] ?? "-").join(" | ")} |`),
    "",
    ...settingsMarkdown(r.effective),
    "Run: `bun run bench seat-map`",
    "",
  ].join("\n");
  console.log("\n" + md);
  const dir = join(import.meta.dir, "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "seat-map.json"), JSON.stringify({ at, machine: { ...r.machine, loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100) }, seats: r.seatCount, concurrency: CONCURRENCY, rounds: ROUNDS, seconds: SECONDS, bytes: { status: r.statusBytes, map: r.mapBytes }, results: res, ratios, refreshesPerSeatRead: sharing, cpuMicrosecondsPerRefresh: r.cpuPerOp, effectiveSettings: r.effective }, null, 2) + "\n");
  writeFileSync(join(dir, "seat-map.md"), md);
}

if (import.meta.main) await run(Bun.argv.slice(2));
