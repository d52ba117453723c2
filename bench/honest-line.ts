/**
 * `bun run bench honest-line`: how right the honest line is, and how fast a sell-out reaches
 * every fan.
 *
 * 1. Simulated sales (test/kit/simulated-sale.ts, seeded): the estimate the leader would
 *    publish (common/honest-line.ts) is taken before the first order and when 10, 25, 50 and
 *    75 % of the seats are sold; its cutoff (the last position told 50 % or more: how many of
 *    the waiting fans it expects to find seats) is compared with how many did, and every
 *    chance told is compared with what the fan then found (calibration, per tenth).
 * 2. The real stack (origin with its scheduler, the Upstash bridge, the Worker in workerd):
 *    fans wait on their streams while a buyer takes every seat; the time from the last
 *    purchase's answer to each stream's `closed` (sold out) event.
 * Writes bench/results/honest-line.{json,md}.
 */
import { cpus, loadavg } from "node:os";
import Redis from "ioredis";
import { describeChance } from "../common/honest-line.ts";
import { createDatabase } from "../origin/src/db/client.ts";
import { migrateDatabase } from "../origin/src/db/migrate.ts";
import { mintActiveSessions, signingKeyFromEnv } from "../test/kit/dev-sessions.ts";
import { adminApi } from "../test/kit/events.ts";
import { simulateSale, type SaleRun } from "../test/kit/simulated-sale.ts";
import { SseReader } from "../test/kit/sse.ts";
import { miniflareEdge } from "./edge-runtime.ts";
import { benchEnv } from "./lib/env.ts";
import { ensureFetchConcurrency } from "./lib/latency.ts";
import { declareSettings, int } from "./lib/settings.ts";
import { withStack } from "./lib/stack.ts";

export const settings = declareSettings("honest-line", {
  BENCH_SALES: int({ default: 300, min: 3, max: 10_000, doc: "simulated sales (buy shares 0.3, 0.6 and 0.9 in turn)" }),
  BENCH_SIM_SEATS: int({ default: 500, min: 10, max: 100_000, doc: "seats of each simulated sale" }),
  BENCH_SIM_FANS: int({ default: 2000, min: 20, max: 1_000_000, doc: "fans in each simulated line" }),
  BENCH_STREAMS: int({ default: 1000, min: 1, max: 20_000, doc: "fans waiting on their streams in the real stack when the last seat sells" }),
  BENCH_SEATS: int({ default: 40, min: 1, max: 2000, doc: "seats of the real stack's sale (bought in holds of 4)" }),
});

const SOLD_SHARES = [0, 0.1, 0.25, 0.5, 0.75];
const BUY_SHARES = [0.3, 0.6, 0.9];

interface PointError {
  soldShare: number;
  sales: number;
  /** |estimated - true| in fans */
  medianFans: number;
  /** |estimated - true| / true */
  medianRelative: number;
  p90Relative: number;
  /** (estimated - true) / true, averaged: below 0 the estimate is pessimistic */
  meanSigned: number;
}

const quantile = (sorted: number[], q: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
const round = (n: number, d = 3) => Math.round(n * 10 ** d) / 10 ** d;

function simulate(sales: number, seats: number, fans: number) {
  const runs: SaleRun[] = [];
  for (let seed = 1; seed <= sales; seed++) {
    runs.push(
      simulateSale({
        seats,
        fans,
        perOrderLimit: 4,
        buyShare: BUY_SHARES[seed % 3]!,
        quantityWeights: seed % 2 ? [3, 4, 1, 2] : [1, 1, 1, 1],
        admitPerStep: Math.max(1, Math.round(seats / 30)),
        decideAfterSteps: 6,
        sessionSteps: 30,
        checkpoints: [],
        soldShares: SOLD_SHARES,
        seed,
      }),
    );
  }
  const errors: PointError[] = [];
  for (const share of SOLD_SHARES) {
    const rel: number[] = [];
    const inFans: number[] = [];
    for (const run of runs) {
      const point = run.points.find((p) => Math.abs(p.soldShare - share) < 0.05 || (share === 0 && p.soldShare === 0));
      if (!point || point.served === 0) continue;
      const estimated = point.estimatedCutoff === null ? fans : point.estimatedCutoff - 1;
      rel.push((estimated - point.served) / point.served);
      inFans.push(Math.abs(estimated - point.served));
    }
    const abs = rel.map(Math.abs).sort((a, b) => a - b);
    errors.push({ soldShare: share, sales: rel.length, medianFans: quantile(inFans.sort((a, b) => a - b), 0.5), medianRelative: round(quantile(abs, 0.5)), p90Relative: round(quantile(abs, 0.9)), meanSigned: round(rel.reduce((a, b) => a + b, 0) / Math.max(1, rel.length)) });
  }
  const bins = Array.from({ length: 10 }, (_, i) => ({ from: i / 10, to: (i + 1) / 10, told: 0, predicted: 0, found: 0 }));
  let veryLikely = 0;
  let veryLikelyEmpty = 0;
  let unlikely = 0;
  let unlikelyFound = 0;
  for (const run of runs) {
    for (const p of run.predictions) {
      const bin = bins[Math.min(9, Math.floor(p.chance * 10))]!;
      bin.told++;
      bin.predicted += p.chance;
      if (run.found[p.fan]) bin.found++;
      const label = describeChance(p.chance).label;
      if (label === "very likely") {
        veryLikely++;
        if (!run.found[p.fan]) veryLikelyEmpty++;
      } else if (label === "unlikely") {
        unlikely++;
        if (run.found[p.fan]) unlikelyFound++;
      }
    }
  }
  return {
    errors,
    calibration: bins.map((b) => ({ from: b.from, to: b.to, told: b.told, meanChance: b.told ? round(b.predicted / b.told) : null, foundShare: b.told ? round(b.found / b.told) : null })),
    veryLikelyButEmpty: round(veryLikelyEmpty / Math.max(1, veryLikely), 4),
    unlikelyButFound: round(unlikelyFound / Math.max(1, unlikely), 4),
  };
}

async function soldOutToStreams(streams: number, seatCount: number) {
  const { env, redisUrl, databaseUrl } = await benchEnv();
  await migrateDatabase(databaseUrl);
  await ensureFetchConcurrency(streams + 256);
  return withStack(async (stack) => {
    const redis = new Redis(redisUrl);
    const database = createDatabase(databaseUrl, 4);
    stack.defer("connections", async () => {
      redis.disconnect();
      await database.close();
    });
    const scratch = stack.scratchEvents(database.pool, redis);
    const origin = await stack.origin({ ...env, LOG_REQUESTS: "0" });
    const bridge = await stack.bridge(redisUrl, env.UPSTASH_REDIS_REST_TOKEN!);
    const edge = await stack.start("workerd edge", () =>
      miniflareEdge(bridge.url, { ORIGIN_URL: origin.url, JOIN_LIMIT_PER_MINUTE: "100000000", TICKET_LIMIT_PER_MINUTE: "100000000", PRESENCE_GRACE_SECONDS: "120" }),
    );
    const eventId = scratch(`honest-${Date.now().toString(36)}`);
    const admin = adminApi(origin.url, env.ADMIN_KEY!);
    const rows = Math.ceil(seatCount / 4);
    await admin.createEventWithQueue(
      { id: eventId, name: "honest line", venue: "bench", startsAt: new Date(Date.now() + 86_400_000).toISOString(), perOrderLimit: 4, holdSeconds: 120, sections: [{ name: "A", rows, seatsPerRow: 4, tier: "standard", priceCents: 100 }] },
      { rate: 5 },
    );
    await admin.call("POST", `/admin/events/${eventId}/queue/pause`);
    const readers: SseReader[] = [];
    for (let i = 0; i < streams; i += 100) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(100, streams - i) }, async () => {
          const joined = (await (await fetch(`${edge.url}/queue/${eventId}/join`, { method: "POST" })).json()) as { ticket: string };
          const res = await fetch(`${edge.url}/queue/${eventId}/events`, { headers: { "x-queue-ticket": joined.ticket, accept: "text/event-stream" } });
          const reader = new SseReader(res);
          await reader.nextEvent("position", 60_000);
          return reader;
        }),
      );
      readers.push(...batch);
    }
    console.log(`${readers.length} fans wait on their streams; buying all ${rows * 4} seats`);
    const buyers = await mintActiveSessions(redis, { eventId, count: rows, ttlSeconds: 600, key: signingKeyFromEnv(env) });
    const told = readers.map((r) => r.nextEvent("closed", 120_000).then((e) => ({ at: performance.now(), status: (e.data as { status?: string }).status })));
    let lastSoldAt = 0;
    await Promise.all(
      buyers.map(async (buyer, row) => {
        const headers = { authorization: `Bearer ${buyer.token}`, "content-type": "application/json" };
        const seats = [1, 2, 3, 4].map((n) => `A-${row + 1}-${n}`).filter((_, i) => row * 4 + i < rows * 4);
        const held = (await (await fetch(`${edge.url}/api/events/${eventId}/holds`, { method: "POST", headers, body: JSON.stringify({ seatIds: seats }) })).json()) as { holdId: string };
        const bought = await fetch(`${edge.url}/api/events/${eventId}/holds/${held.holdId}/purchase`, { method: "POST", headers: { ...headers, "idempotency-key": `honest-${row}` }, body: JSON.stringify({ paymentMethod: "sim_approve" }) });
        if (bought.status !== 201) throw new Error(`purchase ${row}: ${bought.status} ${await bought.text()}`);
        lastSoldAt = Math.max(lastSoldAt, performance.now());
      }),
    );
    const results = await Promise.all(told);
    const delays = results.map((r) => Math.max(0, r.at - lastSoldAt)).sort((a, b) => a - b);
    await Promise.all(readers.map((r) => r.close()));
    return {
      streams: readers.length,
      seats: rows * 4,
      toldSoldOut: results.filter((r) => r.status === "soldout").length,
      p50Ms: Math.round(quantile(delays, 0.5)),
      p95Ms: Math.round(quantile(delays, 0.95)),
      maxMs: Math.round(delays.at(-1) ?? NaN),
    };
  });
}

export async function run(_args: string[] = []): Promise<void> {
  const parsed = settings.parse();
  const v = parsed.values;
  const startedAt = new Date().toISOString();
  console.log(`bench honest-line: ${v.BENCH_SALES} simulated sales of ${v.BENCH_SIM_SEATS} seats and ${v.BENCH_SIM_FANS} fans`);
  const simulated = simulate(v.BENCH_SALES, v.BENCH_SIM_SEATS, v.BENCH_SIM_FANS);
  console.log(`real stack: ${v.BENCH_STREAMS} streams, ${v.BENCH_SEATS} seats`);
  const soldOut = await soldOutToStreams(v.BENCH_STREAMS, v.BENCH_SEATS);
  const command = `BENCH_SALES=${v.BENCH_SALES} BENCH_STREAMS=${v.BENCH_STREAMS} bun run bench honest-line`;
  const result = { command, startedAt, host: { cpus: cpus().length, loadAverage: loadavg().map((l) => round(l, 2)) }, settings: parsed.effective, simulated, soldOut };
  const dir = `${import.meta.dir}/results`;
  await Bun.write(`${dir}/honest-line.json`, JSON.stringify(result, null, 2) + "\n");
  const md = [
    "# Honest line",
    "",
    `\`${command}\`, ${startedAt}, ${result.host.cpus} CPUs, load ${result.host.loadAverage.join(" / ")}.`,
    "",
    "## The estimate's error over simulated sales",
    "",
    "The cutoff told (the last position with a chance of 50 % or more: how many of the waiting fans the estimate expects to find seats) against how many did, when this share of the seats was sold (a negative signed error: the estimate was cautious):",
    "",
    "| seats sold | sales | median error (fans) | median error | p90 error | mean signed error |",
    "|---:|---:|---:|---:|---:|---:|",
    ...simulated.errors.map((e) => `| ${e.soldShare * 100} % | ${e.sales} | ${e.medianFans} | ${(e.medianRelative * 100).toFixed(1)} % | ${(e.p90Relative * 100).toFixed(1)} % | ${(e.meanSigned * 100).toFixed(1)} % |`),
    "",
    `Fans told "very likely" who then found nothing: ${(simulated.veryLikelyButEmpty * 100).toFixed(2)} % (at most 10 % allowed); told "unlikely" who found seats: ${(simulated.unlikelyButFound * 100).toFixed(2)} %.`,
    "",
    "| chance told | fans told | mean chance | share that found seats |",
    "|---|---:|---:|---:|",
    ...simulated.calibration.map((b) => `| ${b.from * 100}-${b.to * 100} % | ${b.told} | ${b.meanChance ?? "-"} | ${b.foundShare ?? "-"} |`),
    "",
    "## From the last seat sold to every stream told",
    "",
    `${soldOut.streams} fans waiting on their streams, ${soldOut.seats} seats bought through the edge: ${soldOut.toldSoldOut} streams got \`closed\` (sold out); after the last purchase's answer p50 ${soldOut.p50Ms} ms, p95 ${soldOut.p95Ms} ms, max ${soldOut.maxMs} ms.`,
    "",
  ].join("\n");
  await Bun.write(`${dir}/honest-line.md`, md);
  console.log(md);
  if (soldOut.toldSoldOut !== soldOut.streams) process.exitCode = 1;
}
