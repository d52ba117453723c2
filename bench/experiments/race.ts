/**
 * `bun run bench race`: the race experiments. Many buyers try to buy one seat at the same
 * moment, against 1 origin instance and against 2 behind a local round-robin balancer:
 * - none / mutex / optimistic / pessimistic: the origin's scratch route (RACE_EXPERIMENTS=1,
 *   origin/src/modules/experiments) selling a row of a scratch table
 * - real: the real design, through the real routes: a Redis Lua hold, then the purchase
 *   (MySQL insert under UNIQUE(event_id, seat_id), hold released when the insert fails)
 * Each buyer's latency is measured from its first request to its last answer. Double
 * bookings are read from MySQL afterwards: buyers logged as sold minus one (scratch), or
 * reservation rows and orders for the seat minus one (real).
 * Settings: `settings` below (`bun run bench race --help`).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg, totalmem } from "node:os";
import { join } from "node:path";
import Redis from "ioredis";
import { createDatabase } from "../../origin/src/db/client.ts";
import { migrateDatabase } from "../../origin/src/db/migrate.ts";
import { startBalancer } from "../../test/kit/balancer.ts";
import { type OriginProcess } from "../../test/kit/origin-process.ts";
import { mintActiveSessions, signingKeyFromEnv } from "../../test/kit/dev-sessions.ts";
import { benchEnv } from "../lib/env.ts";
import { ensureFetchConcurrency, summarizeMs, type LatencySummary } from "../lib/latency.ts";
import { choices, declareSettings, int, ints, settingsMarkdown, type EffectiveSettings } from "../lib/settings.ts";
import { withStack } from "../lib/stack.ts";

const root = join(import.meta.dir, "..", "..");
const ALL_VARIANTS = ["none", "mutex", "optimistic", "pessimistic", "real"] as const;
type Variant = (typeof ALL_VARIANTS)[number];

export const settings = declareSettings("race", {
  RACE_BUYERS: ints({ default: [100, 1000], min: 1, max: 10_000, doc: "buyers at once on one seat, one race per count" }),
  RACE_TOPOLOGIES: ints({ default: [1, 2], min: 1, max: 8, doc: "origin instances (more than one behind the round-robin balancer)" }),
  RACE_VARIANTS: choices({ choices: ALL_VARIANTS, default: [...ALL_VARIANTS], doc: "kinds of concurrency control to race" }),
  RACE_REPEATS: int({ default: 3, min: 1, max: 100, doc: "times each race runs" }),
});

export interface RaceRow {
  instances: number;
  buyers: number;
  variant: Variant;
  successes: number;
  /** successes in each repeat of the race */
  successesPerRepeat: number[];
  conflicts: number;
  otherStatuses: Record<string, number>;
  /** sales recorded in MySQL beyond the first */
  doubleBookings: number;
  latency: LatencySummary;
  /** from the first request sent to the last answer */
  wallMs: number;
  /** per-buyer latencies (ms), dropped from the results */
  samples?: number[];
}

export async function run(_args: string[] = []): Promise<void> {
  const { values, effective } = settings.parse();
  const { RACE_BUYERS: buyerCounts, RACE_TOPOLOGIES: topologies, RACE_REPEATS: repeatCount, RACE_VARIANTS: variants } = values;
  await ensureFetchConcurrency(Math.max(...buyerCounts) + 64);
  const { env, originAuth, redisUrl, databaseUrl } = await benchEnv();
  await migrateDatabase(databaseUrl);
  const admin = { authorization: `Bearer ${env.ADMIN_KEY}`, "content-type": "application/json" };
  const eventId = `race-${Date.now().toString(36)}`;
  const runs = topologies.length * buyerCounts.length;
  const started = new Date().toISOString();
  const rows: RaceRow[] = [];
  await withStack(async (stack) => {
    const redis = new Redis(redisUrl);
    const database = createDatabase(databaseUrl, 4);
    stack.defer("connections", async () => {
      redis.disconnect();
      await database.close();
    });
    // removed after the origins stopped: the event, and the scratch table's rows of this run
    stack.scratchEvents(database.pool, redis)(eventId);
    stack.defer("experiment rows", async () => {
      await database.pool.query("DELETE FROM experiment_sales WHERE seat_id LIKE ?", [`${eventId}-%`]).catch(() => {});
      await database.pool.query("DELETE FROM experiment_seats WHERE seat_id LIKE ?", [`${eventId}-%`]).catch(() => {});
    });
    const origins: OriginProcess[] = [];
    const maxInstances = Math.max(...topologies);
    for (let i = 0; i < maxInstances; i++) origins.push(await stack.origin({ ...env, RACE_EXPERIMENTS: "1", LOG_REQUESTS: "0" }));
    const created = await fetch(`${origins[0]!.url}/admin/events`, {
      method: "POST",
      headers: admin,
      body: JSON.stringify({
        id: eventId,
        name: "race experiment",
        venue: "bench",
        startsAt: new Date(Date.now() + 86_400_000).toISOString(),
        perOrderLimit: 4,
        holdSeconds: 120,
        maxActive: 100_000,
        sections: [{ name: "A", rows: 1, seatsPerRow: Math.max(runs * repeatCount, 1), tier: "standard", priceCents: 100 }],
      }),
    });
    if (created.status !== 201) throw new Error(`creating event: ${created.status} ${await created.text()}`);
    // every instance must know the event before the race
    for (const o of origins) await fetch(`${o.url}/api/events/${eventId}`).catch(() => {});

    let seatNumber = 0;
    for (const instances of topologies) {
      // the balancer of this topology stops before the next topology starts
      await withStack(async (topology) => {
        const balancer = instances > 1 ? topology.add("balancer", startBalancer({ upstreams: origins.slice(0, instances).map((o) => o.url) })) : undefined;
        const url = balancer?.url ?? origins[0]!.url;
        // untimed warm-up of every instance and variant (JIT, pools, the scratch table)
        for (const variant of variants) if (variant !== "real") await raceScratch({ url, buyers: 20, variant, seatId: `${eventId}-warm-${instances}`, admin });
        for (const buyers of buyerCounts) {
          for (const variant of variants) {
            const repeats: RaceRow[] = [];
            for (let r = 0; r < repeatCount; r++) {
              repeats.push(
                variant === "real"
                  ? await raceReal({ url, buyers, eventId, seatId: `A-1-${++seatNumber}`, originAuth, env, redis, database })
                  : await raceScratch({ url, buyers, variant, seatId: `${eventId}-${instances}-${buyers}-${r}`, admin }),
              );
            }
            const row = merge(repeats, instances);
            rows.push(row);
            console.log(
              `  ${instances} instance(s) ${String(buyers).padStart(5)} buyers ${variant.padEnd(12)} ${row.successesPerRepeat.join("/")} sold, ${row.conflicts} x 409, other ${JSON.stringify(row.otherStatuses)}, double bookings ${row.doubleBookings}, p95 ${row.latency.p95ms} ms`,
            );
          }
        }
      });
    }
  });
  writeResults(rows, started, effective);
}

/** Sums repeats of one race; latency from all buyers of all repeats. */
function merge(repeats: RaceRow[], instances: number): RaceRow {
  const otherStatuses: Record<string, number> = {};
  for (const r of repeats) for (const [k, v] of Object.entries(r.otherStatuses)) otherStatuses[k] = (otherStatuses[k] ?? 0) + v;
  return {
    ...repeats[0]!,
    instances,
    successes: repeats.reduce((n, r) => n + r.successes, 0),
    successesPerRepeat: repeats.map((r) => r.successes),
    conflicts: repeats.reduce((n, r) => n + r.conflicts, 0),
    otherStatuses,
    doubleBookings: repeats.reduce((n, r) => n + r.doubleBookings, 0),
    latency: summarizeMs(repeats.flatMap((r) => r.samples ?? [])),
    wallMs: Math.max(...repeats.map((r) => r.wallMs)),
    samples: undefined,
  };
}

async function timed(work: () => Promise<number>): Promise<{ status: number; ms: number }> {
  const t = performance.now();
  const status = await work().catch(() => 0);
  return { status, ms: performance.now() - t };
}

function tally(outcomes: { status: number; ms: number }[], success: number) {
  const otherStatuses: Record<string, number> = {};
  for (const o of outcomes) if (o.status !== success && o.status !== 409) otherStatuses[String(o.status)] = (otherStatuses[String(o.status)] ?? 0) + 1;
  return {
    successes: outcomes.filter((o) => o.status === success).length,
    conflicts: outcomes.filter((o) => o.status === 409).length,
    otherStatuses,
    latency: summarizeMs(outcomes.map((o) => o.ms)),
    samples: outcomes.map((o) => o.ms),
    successesPerRepeat: [],
  };
}

async function raceScratch(opts: { url: string; buyers: number; variant: Exclude<Variant, "real">; seatId: string; admin: Record<string, string> }): Promise<RaceRow> {
  const seatUrl = `${opts.url}/experiments/race/seats/${opts.seatId}`;
  const reset = await fetch(seatUrl, { method: "PUT", headers: opts.admin });
  if (reset.status !== 200) throw new Error(`scratch route answered ${reset.status}: is RACE_EXPERIMENTS=1 on?`);
  const wall = performance.now();
  const outcomes = await Promise.all(
    Array.from({ length: opts.buyers }, (_, i) =>
      timed(async () => {
        const r = await fetch(`${opts.url}/experiments/race/${opts.variant}/seats/${opts.seatId}/buy`, { method: "POST", headers: opts.admin, body: JSON.stringify({ buyer: `b${i}` }) });
        await r.arrayBuffer();
        return r.status;
      }),
    ),
  );
  const wallMs = performance.now() - wall;
  const outcome = (await (await fetch(seatUrl, { headers: opts.admin })).json()) as { sales: number };
  return { instances: 1, buyers: opts.buyers, variant: opts.variant, ...tally(outcomes, 200), doubleBookings: Math.max(0, outcome.sales - 1), wallMs: Math.round(wallMs) };
}

async function raceReal(opts: {
  url: string;
  buyers: number;
  eventId: string;
  seatId: string;
  originAuth: string;
  env: Record<string, string>;
  redis: Redis;
  database: ReturnType<typeof createDatabase>;
}): Promise<RaceRow> {
  const sessions = await mintActiveSessions(opts.redis, { eventId: opts.eventId, count: opts.buyers, ttlSeconds: 900, key: signingKeyFromEnv(opts.env) });
  const base = `${opts.url}/api/events/${opts.eventId}`;
  const wall = performance.now();
  const outcomes = await Promise.all(
    sessions.map((s) =>
      timed(async () => {
        const headers = { authorization: `Bearer ${s.token}`, "x-origin-auth": opts.originAuth, "content-type": "application/json" };
        const hold = await fetch(`${base}/holds`, { method: "POST", headers, body: JSON.stringify({ seatIds: [opts.seatId] }) });
        const held = (await hold.json()) as { holdId?: string };
        if (hold.status !== 201 || !held.holdId) return hold.status;
        const bought = await fetch(`${base}/holds/${held.holdId}/purchase`, { method: "POST", headers: { ...headers, "idempotency-key": crypto.randomUUID() } });
        await bought.arrayBuffer();
        return bought.status;
      }),
    ),
  );
  const wallMs = performance.now() - wall;
  const [rows] = (await opts.database.pool.query("SELECT COUNT(*) AS n FROM reservations WHERE event_id = ? AND seat_id = ?", [opts.eventId, opts.seatId])) as unknown as [{ n: number }[]];
  const sold = Number(rows[0]?.n ?? 0);
  return { instances: 1, buyers: opts.buyers, variant: "real", ...tally(outcomes, 201), doubleBookings: Math.max(0, sold - 1), wallMs: Math.round(wallMs) };
}

const LABEL: Record<Variant, string> = {
  none: "no concurrency control (read-check-write)",
  mutex: "in-process mutex",
  optimistic: "DB optimistic lock (version column)",
  pessimistic: "DB pessimistic lock (SELECT ... FOR UPDATE)",
  real: "real design (Redis Lua hold + unique index + compensation)",
};

function writeResults(rows: RaceRow[], started: string, effective: EffectiveSettings) {
  const dir = join(root, "bench", "results");
  mkdirSync(dir, { recursive: true });
  const machine = { cpus: navigator.hardwareConcurrency, memoryGiB: Math.round(totalmem() / 2 ** 30), bun: Bun.version, loadavg: loadavg() };
  const shown = (name: string) => String(effective[name]!.value);
  const command = `RACE_REPEATS=${shown("RACE_REPEATS")} RACE_BUYERS=${shown("RACE_BUYERS")} RACE_TOPOLOGIES=${shown("RACE_TOPOLOGIES")} bun run bench race`;
  writeFileSync(join(dir, "race.json"), JSON.stringify({ command, started, machine, rows, effectiveSettings: effective }, null, 2) + "\n");
  const lines = [
    "# Race experiments: many buyers, one seat",
    "",
    `\`${command}\` — ${started}, ${machine.cpus} cores, ${machine.memoryGiB} GiB, Bun ${machine.bun}, load average at the end ${machine.loadavg.map((l: number) => l.toFixed(1)).join(" ")}.`,
    "All buyers are sent at once from one process; latency is per buyer, first request to last answer (the real design: hold, then purchase for the winner).",
    "Double bookings are read from MySQL afterwards (sales logged for the seat, or reservation rows, beyond the first).",
    "",
    "| instances | buyers | variant | successes (each run) | 409 | other | double bookings | p50 ms | p95 ms | max ms |",
    "|---:|---:|---|---|---:|---|---:|---:|---:|---:|",
    ...rows.map(
      (r) =>
        `| ${r.instances} | ${r.buyers} | ${LABEL[r.variant]} | ${r.successesPerRepeat.join(" / ")} | ${r.conflicts} | ${Object.entries(r.otherStatuses).map(([k, v]) => `${v} x ${k}`).join(", ") || "-"} | ${r.doubleBookings} | ${r.latency.p50ms} | ${r.latency.p95ms} | ${r.latency.maxMs} |`,
    ),
    "",
    ...settingsMarkdown(effective),
  ];
  writeFileSync(join(dir, "race.md"), lines.join("\n"));
  console.log(`results: bench/results/race.md, bench/results/race.json`);
}
