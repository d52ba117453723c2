/**
 * `bun run bench journey`: the whole fan journey through the local edge (workerd via
 * Miniflare, no wrangler dev proxy) to the origin, with fans arriving at a rate (open
 * model): join -> wait on the SSE stream until `admitted` -> claim -> hold a seat (another
 * one on 409, up to 5 tries) -> buy it. Records per-step latency histograms (HDR), status
 * counts (2xx/409/429/5xx), open streams and throughput per second; then checks, straight
 * from MySQL and Redis, that no seat was sold twice, that every order's seats are in the
 * database, that Redis' sold set matches MySQL and that, once holds have expired, every
 * seat is either sold or free. Ceilings measured in the same run: bare Worker route, bare
 * Elysia route, bare Redis script, bare insert. Writes bench/results/journey.{json,md,svg}.
 *
 * Knobs: BENCH_RATE (fans/s, 200), BENCH_SECONDS (arrivals for, 20), BENCH_SEATS (seats,
 * 3 x the fans), BENCH_ORIGINS (1; >1: behind the round-robin balancer), BENCH_HOLD_SECONDS
 * (5), BENCH_FAN_TIMEOUT_SECONDS (120), BENCH_CEILING_SECONDS (3), BENCH_ADMISSION_RATE (the queue's
 * rate; unset: the scheduler's, from the measured database capacity), BENCH_PAUSE_SECONDS (0: admission paused for the first N seconds, so every fan
 * arriving meanwhile waits on an open SSE stream), BENCH_RESULTS_NAME (journey).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import Redis from "ioredis";
import type * as hdr from "hdr-histogram-js";
import { eventKeys } from "../common/keys.ts";
import { createDatabase } from "../origin/src/db/client.ts";
import { migrateDatabase } from "../origin/src/db/migrate.ts";
import { benchEnv } from "./lib/env.ts";
import { startBalancer } from "../scripts/lib/balancer.ts";
import { freePort } from "../scripts/lib/free-port.ts";
import { startOrigin, type OriginProcess } from "../scripts/lib/origin-process.ts";
import { waitUntil } from "../scripts/lib/wait.ts";
import { miniflareEdge } from "./edge-runtime.ts";
import { startBridgeProcess } from "./lib/bridge.ts";
import { ensureFetchConcurrency, newHistogram, recordMs, summarize, type LatencySummary } from "./lib/latency.ts";
import { Meter, slice, warm } from "./origin-load.ts";
import { plotSvg } from "./plot.ts";
import { checkInvariants, type Invariant, type Sale } from "./lib/invariants.ts";

const root = join(import.meta.dir, "..");
const STEPS = ["join", "wait", "claim", "hold", "purchase", "journey"] as const;
type Step = (typeof STEPS)[number];
type StatusClass = "2xx" | "409" | "429" | "4xx" | "5xx" | "error";

const classOf = (status: number): StatusClass =>
  status === 0 ? "error" : status === 409 ? "409" : status === 429 ? "429" : status >= 500 ? "5xx" : status >= 400 ? "4xx" : "2xx";

class Recorder {
  readonly histograms = new Map<Step, hdr.Histogram>(STEPS.map((s) => [s, newHistogram()]));
  readonly statuses = new Map<string, Record<StatusClass, number>>();
  /** `step status code` -> count, for answers other than 2xx (the JSON error code tells why) */
  readonly errorCodes = new Map<string, number>();
  readonly perSecond: Array<{ arrivals: number; purchases: number; failures: number; streams: number; purchaseMs: number[] }> = [];
  openStreams = 0;
  maxStreams = 0;
  readonly started = performance.now();

  second(): (typeof this.perSecond)[number] {
    const t = Math.floor((performance.now() - this.started) / 1000);
    while (this.perSecond.length <= t) this.perSecond.push({ arrivals: 0, purchases: 0, failures: 0, streams: this.openStreams, purchaseMs: [] });
    return this.perSecond[t]!;
  }

  record(step: Step, ms: number, status?: number) {
    recordMs(this.histograms.get(step)!, ms);
    if (status !== undefined) {
      const counts = this.statuses.get(step) ?? { "2xx": 0, "409": 0, "429": 0, "4xx": 0, "5xx": 0, error: 0 };
      counts[classOf(status)] += 1;
      this.statuses.set(step, counts);
    }
  }
}

/** Reads an SSE response until an `admitted` or `expired` event, or the deadline. */
async function waitForTurn(response: Response, deadline: number): Promise<"admitted" | "expired" | "timeout"> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const timer = setTimeout(() => void reader.cancel().catch(() => {}), Math.max(0, deadline - Date.now()));
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return "timeout";
      text += decoder.decode(value, { stream: true });
      const blocks = text.split("\n\n");
      text = blocks.pop()!;
      for (const block of blocks) {
        if (/^event: admitted$/m.test(block)) return "admitted";
        if (/^event: expired$/m.test(block)) return "expired";
      }
    }
  } catch {
    return "timeout";
  } finally {
    clearTimeout(timer);
    void reader.cancel().catch(() => {});
  }
}

async function fan(edgeUrl: string, eventId: string, seats: string[], rec: Recorder, timeoutMs: number, sales: Sale[]): Promise<boolean> {
  const began = performance.now();
  const deadline = Date.now() + timeoutMs;
  const step = async (name: Step, work: () => Promise<Response>): Promise<Response | null> => {
    const t = performance.now();
    try {
      const r = await work();
      rec.record(name, performance.now() - t, r.status);
      if (r.status >= 300) {
        const body = (await r.clone().json().catch(() => ({}))) as { code?: string };
        const key = `${name} ${r.status} ${body.code ?? "-"}`;
        rec.errorCodes.set(key, (rec.errorCodes.get(key) ?? 0) + 1);
      }
      return r;
    } catch {
      rec.record(name, performance.now() - t, 0);
      return null;
    }
  };
  const joined = await step("join", () => fetch(`${edgeUrl}/queue/${eventId}/join`, { method: "POST" }));
  if (!joined || (joined.status !== 200 && joined.status !== 201)) return false;
  const place = (await joined.json()) as { ticket: string; admitted: boolean };
  const ticket = { "x-queue-ticket": place.ticket };
  if (!place.admitted) {
    const t = performance.now();
    const stream = await fetch(`${edgeUrl}/queue/${eventId}/events`, { headers: { ...ticket, accept: "text/event-stream" } }).catch(() => null);
    if (!stream || stream.status !== 200) {
      rec.record("wait", performance.now() - t, stream?.status ?? 0);
      return false;
    }
    rec.openStreams += 1;
    rec.maxStreams = Math.max(rec.maxStreams, rec.openStreams);
    const outcome = await waitForTurn(stream, deadline);
    rec.openStreams -= 1;
    rec.record("wait", performance.now() - t, outcome === "admitted" ? 200 : 0);
    if (outcome !== "admitted") return false;
  }
  const claimed = await step("claim", () => fetch(`${edgeUrl}/queue/${eventId}/claim`, { method: "POST", headers: ticket }));
  if (!claimed || claimed.status !== 200) return false;
  const { activeToken } = (await claimed.json()) as { activeToken: string };
  const auth = { authorization: `Bearer ${activeToken}`, "content-type": "application/json" };
  for (let attempt = 0; attempt < 5; attempt++) {
    const seatId = seats[Math.floor(Math.random() * seats.length)]!;
    const held = await step("hold", () => fetch(`${edgeUrl}/api/events/${eventId}/holds`, { method: "POST", headers: auth, body: JSON.stringify({ seatIds: [seatId] }) }));
    if (!held) return false;
    const hold = (await held.json()) as { holdId?: string };
    if (held.status === 409) continue;
    if (held.status !== 201 || !hold.holdId) return false;
    const t = performance.now();
    const bought = await step("purchase", () =>
      fetch(`${edgeUrl}/api/events/${eventId}/holds/${hold.holdId}/purchase`, { method: "POST", headers: { ...auth, "idempotency-key": crypto.randomUUID() } }),
    );
    if (!bought || bought.status !== 201) return false;
    const order = (await bought.json()) as { orderId: string };
    sales.push({ orderId: order.orderId, seatId });
    rec.second().purchaseMs.push(performance.now() - t);
    rec.record("journey", performance.now() - began);
    return true;
  }
  return false;
}

interface Ceiling {
  name: string;
  perSecond: number;
  p95ms: number;
}

async function ceilings(opts: { edgeUrl: string; bareUrl: string; redis: Redis; pool: ReturnType<typeof createDatabase>["pool"]; eventId: string; seconds: number }): Promise<Record<string, Ceiling>> {
  const concurrency = 32;
  const sha = (await opts.redis.script("LOAD", "return redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', 60000) and 1 or 0")) as string;
  await opts.pool.query("DROP TABLE IF EXISTS journey_inserts");
  await opts.pool.query(
    "CREATE TABLE journey_inserts (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, event_id VARCHAR(64) NOT NULL, seat_id VARCHAR(32) NOT NULL, order_id VARCHAR(40) NOT NULL, created_at DATETIME(3) NOT NULL, UNIQUE KEY journey_inserts_event_seat (event_id, seat_id))",
  );
  const ops: Record<string, (i: number) => Promise<boolean>> = {
    "bare Worker route (GET /healthz, workerd)": async () => {
      const r = await fetch(`${opts.edgeUrl}/healthz`);
      await r.arrayBuffer();
      return r.ok;
    },
    "bare Elysia route": async () => {
      const r = await fetch(`${opts.bareUrl}/bare`, { method: "POST" });
      await r.arrayBuffer();
      return r.ok;
    },
    "bare Redis script (EVALSHA SET NX PX)": async (i) => (await opts.redis.evalsha(sha, 1, `cu:{${opts.eventId}}:ceiling:${i}`, "x")) === 1,
    "bare insert (mysql2, unique index)": async (i) => {
      await opts.pool.query("INSERT INTO journey_inserts (event_id, seat_id, order_id, created_at) VALUES (?, ?, ?, ?)", [opts.eventId, `S-${i}`, `o_${i}`, new Date()]);
      return true;
    },
  };
  const out: Record<string, Ceiling> = {};
  for (const [name, op] of Object.entries(ops)) {
    await warm(concurrency, 200, (i) => op(1_000_000 + i));
    const meter = new Meter(name, concurrency);
    await slice(meter, opts.seconds, op);
    const r = meter.print();
    out[name] = { name, perSecond: r.perSecond, p95ms: r.p95ms };
  }
  await opts.pool.query("DROP TABLE IF EXISTS journey_inserts");
  const keys = await opts.redis.keys(`cu:{${opts.eventId}}:ceiling:*`);
  for (let i = 0; i < keys.length; i += 1000) await opts.redis.del(...keys.slice(i, i + 1000));
  return out;
}

export async function run(_args: string[] = []): Promise<void> {
  const rate = Number(process.env.BENCH_RATE ?? 200);
  const seconds = Number(process.env.BENCH_SECONDS ?? 20);
  const fans = Math.round(rate * seconds);
  await ensureFetchConcurrency(Math.max(4096, fans + 256));
  const seatCount = Number(process.env.BENCH_SEATS ?? fans * 3);
  const originCount = Number(process.env.BENCH_ORIGINS ?? 1);
  const holdSeconds = Number(process.env.BENCH_HOLD_SECONDS ?? 5);
  const fanTimeoutMs = Number(process.env.BENCH_FAN_TIMEOUT_SECONDS ?? 120) * 1000;
  const ceilingSeconds = Number(process.env.BENCH_CEILING_SECONDS ?? 3);
  // below the arrival rate, a line builds up and thousands of fans wait on open streams
  // unset: the scheduler's own rate (a share of the measured database capacity)
  const admissionRateSet = process.env.BENCH_ADMISSION_RATE !== undefined;
  const admissionRate = Number(process.env.BENCH_ADMISSION_RATE ?? Math.max(1, Math.round(rate * 1.5)));
  const resultsName = process.env.BENCH_RESULTS_NAME ?? "journey";
  // admission paused for the first N seconds: everyone arriving meanwhile waits on an open stream
  const pauseSeconds = Number(process.env.BENCH_PAUSE_SECONDS ?? 0);
  const { env, redisUrl, databaseUrl } = await benchEnv();
  await migrateDatabase(databaseUrl);
  const redis = new Redis(redisUrl, { enableAutoPipelining: true });
  const database = createDatabase(databaseUrl, 32);
  const eventId = `journey-${Date.now().toString(36)}`;
  const stops: Array<() => unknown> = [];
  const command = `BENCH_RATE=${rate} BENCH_SECONDS=${seconds} BENCH_ORIGINS=${originCount} ${admissionRateSet ? `BENCH_ADMISSION_RATE=${admissionRate} ` : ""}BENCH_PAUSE_SECONDS=${pauseSeconds} bun run bench journey`;
  const startedAt = new Date().toISOString();
  console.log(`bench journey: ${fans} fans at ${rate}/s for ${seconds}s through the edge (Miniflare/workerd), ${originCount} origin(s), ${seatCount} seats`);
  try {
    const origins: OriginProcess[] = [];
    for (let i = 0; i < originCount; i++) {
      const o = await startOrigin({ env: { ...env, LOG_REQUESTS: "0", ADMISSION_TICK_MS: "200", DB_POOL_SIZE: "32" }, port: await freePort() });
      origins.push(o);
      stops.unshift(() => o.stop());
    }
    const balancer = originCount > 1 ? startBalancer({ upstreams: origins.map((o) => o.url) }) : undefined;
    if (balancer) stops.unshift(() => balancer.stop());
    const originUrl = balancer?.url ?? origins[0]!.url;
    const bridge = await startBridgeProcess(redisUrl, env.UPSTASH_REDIS_REST_TOKEN!);
    stops.unshift(() => bridge.stop());
    const edge = await miniflareEdge(bridge.url, {
      ORIGIN_URL: originUrl,
      JOIN_LIMIT_PER_MINUTE: "100000000",
      TICKET_LIMIT_PER_MINUTE: "100000000",
      TICK_MS: "500",
      PRESENCE_GRACE_SECONDS: "120",
    });
    stops.unshift(() => edge.stop());
    const barePort = await freePort();
    const bare = Bun.spawn(["bun", "bench/origin-bare-server.ts"], { cwd: root, env: { ...env, PORT: String(barePort) }, stdout: "ignore", stderr: "inherit" });
    stops.unshift(() => bare.kill());
    await waitUntil("bare elysia", async () => (await fetch(`http://127.0.0.1:${barePort}/bare`, { method: "POST" })).ok);

    const created = await fetch(`${origins[0]!.url}/admin/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${env.ADMIN_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({
        id: eventId,
        name: "journey",
        venue: "bench",
        startsAt: new Date(Date.now() + 86_400_000).toISOString(),
        perOrderLimit: 4,
        holdSeconds,
        maxActive: 2000,
        admissionRate,
        sections: [{ name: "A", rows: Math.ceil(seatCount / 500), seatsPerRow: Math.min(500, seatCount), tier: "standard", priceCents: 100 }],
      }),
    });
    if (created.status !== 201) throw new Error(`creating event: ${created.status} ${await created.text()}`);
    const opened = await fetch(`${origins[0]!.url}/admin/events/${eventId}/queue`, {
      method: "POST",
      headers: { authorization: `Bearer ${env.ADMIN_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ maxActive: 2000, claimSeconds: 60, sessionSeconds: 300, ...(admissionRateSet ? { rate: admissionRate } : {}) }),
    });
    if (opened.status !== 201) throw new Error(`opening the queue: ${opened.status} ${await opened.text()}`);
    const moveQueue = async (action: "pause" | "resume") => {
      const r = await fetch(`${origins[0]!.url}/admin/events/${eventId}/queue/${action}`, { method: "POST", headers: { authorization: `Bearer ${env.ADMIN_KEY}` } });
      if (!r.ok) throw new Error(`${action} the queue: ${r.status} ${await r.text()}`);
    };
    if (pauseSeconds > 0) await moveQueue("pause");
    stops.push(async () => {
      for (const table of ["reservations", "orders", "seats"]) await database.pool.query(`DELETE FROM ${table} WHERE event_id = ?`, [eventId]).catch(() => {});
      await database.pool.query("DELETE FROM events WHERE id = ?", [eventId]).catch(() => {});
      const keys = await redis.keys(`cu:{${eventId}}:*`);
      for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
    });
    const seats = Array.from({ length: Math.ceil(seatCount / 500) * Math.min(500, seatCount) }, (_, i) => `A-${Math.floor(i / 500) + 1}-${(i % 500) + 1}`);

    console.log("ceilings (same run):");
    const ceiling = await ceilings({ edgeUrl: edge.url, bareUrl: `http://127.0.0.1:${barePort}`, redis, pool: database.pool, eventId, seconds: ceilingSeconds });

    console.log(`arrivals: ${rate}/s for ${seconds}s`);
    const rec = new Recorder();
    const sales: Sale[] = [];
    const journeys: Promise<boolean>[] = [];
    const ticker = setInterval(() => {
      const s = rec.second();
      s.streams = Math.max(s.streams, rec.openStreams);
    }, 100);
    const arrivalsStart = performance.now();
    const resume = pauseSeconds > 0 ? Bun.sleep(pauseSeconds * 1000).then(() => moveQueue("resume")) : Promise.resolve();
    while (journeys.length < fans) {
      const due = Math.min(fans, Math.floor(((performance.now() - arrivalsStart) / 1000) * rate));
      while (journeys.length < due) {
        rec.second().arrivals += 1;
        journeys.push(
          fan(edge.url, eventId, seats, rec, fanTimeoutMs, sales).then((ok) => {
            const s = rec.second();
            if (ok) s.purchases += 1;
            else s.failures += 1;
            return ok;
          }),
        );
      }
      await Bun.sleep(5);
    }
    await resume;
    const outcomes = await Promise.all(journeys);
    clearInterval(ticker);
    const elapsed = (performance.now() - arrivalsStart) / 1000;
    const bought = outcomes.filter(Boolean).length;
    console.log(`${bought} of ${fans} fans bought a seat in ${elapsed.toFixed(1)} s; most streams open at once: ${rec.maxStreams}`);

    // Let every hold that was not bought expire, then check the invariants.
    await Bun.sleep((holdSeconds + 3) * 1000);
    const invariants = await checkInvariants(redis, database, eventId, seats, sales);
    for (const inv of invariants) console.log(`  ${inv.ok ? "ok  " : "FAIL"} ${inv.name}: ${inv.detail}`);

    const steps = Object.fromEntries(STEPS.map((s) => [s, { latency: summarize(rec.histograms.get(s)!), statuses: rec.statuses.get(s) ?? null }])) as Record<
      Step,
      { latency: LatencySummary; statuses: Record<StatusClass, number> | null }
    >;
    const machine = { cpus: cpus().length, model: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), bun: Bun.version, loadavg: loadavg() };
    const purchasesPerSecond = bought / elapsed;
    const result = {
      command,
      startedAt,
      machine,
      runtime: "Miniflare 4 (workerd), no wrangler dev proxy",
      settings: { rate, seconds, fans, seats: seats.length, origins: originCount, holdSeconds, admissionRate: admissionRateSet ? admissionRate : -1, pauseSeconds },
      ceilings: ceiling,
      fans: { arrived: fans, bought, failed: fans - bought, maxOpenStreams: rec.maxStreams, seconds: Math.round(elapsed * 10) / 10, purchasesPerSecond: Math.round(purchasesPerSecond * 10) / 10 },
      steps,
      invariants,
      errorCodes: Object.fromEntries([...rec.errorCodes].sort((a, b) => b[1] - a[1])),
      perSecond: rec.perSecond.map((s, t) => ({ t, arrivals: s.arrivals, purchases: s.purchases, failures: s.failures, streams: s.streams, purchaseP95ms: p95(s.purchaseMs) })),
    };
    await writeResults(result, resultsName);
    if (invariants.some((i) => !i.ok)) process.exitCode = 1;
  } finally {
    for (const stop of stops) await Promise.resolve(stop()).catch((e) => console.error(String(e)));
    redis.disconnect();
    await database.close();
  }
}

function p95(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))]! * 10) / 10;
}

async function writeResults(result: {
  command: string;
  startedAt: string;
  machine: { cpus: number; model?: string; memoryGiB: number; bun: string; loadavg: number[] };
  runtime: string;
  settings: Record<string, number>;
  ceilings: Record<string, Ceiling>;
  fans: { arrived: number; bought: number; failed: number; maxOpenStreams: number; seconds: number; purchasesPerSecond: number };
  steps: Record<Step, { latency: LatencySummary; statuses: Record<StatusClass, number> | null }>;
  invariants: Invariant[];
  errorCodes: Record<string, number>;
  perSecond: Array<{ t: number; arrivals: number; purchases: number; failures: number; streams: number; purchaseP95ms: number | null }>;
}, name: string) {
  const dir = join(root, "bench", "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(result, null, 2) + "\n");
  const c = Object.values(result.ceilings);
  const edgeCeiling = c[0]!.perSecond;
  const insertCeiling = c[3]!.perSecond;
  const joinsPerSecond = result.fans.arrived / result.settings.seconds!;
  const md = [
    "# Fan journey through the local edge",
    "",
    `\`${result.command}\` — ${result.startedAt}; ${result.machine.cpus} cores (${result.machine.model}), ${result.machine.memoryGiB} GiB, Bun ${result.machine.bun}; load average at the end ${result.machine.loadavg.map((l) => l.toFixed(1)).join(" ")}.`,
    `Edge: ${result.runtime}. The driver, the edge, the origin(s), Redis and MariaDB share the machine.`,
    "",
    "## Ceilings measured in the same run (closed loop, concurrency 32)",
    "",
    "| ceiling | ops/s | p95 ms |",
    "|---|---:|---:|",
    ...c.map((x) => `| ${x.name} | ${x.perSecond} | ${x.p95ms} |`),
    "",
    "## Fans",
    "",
    `${result.fans.arrived} fans arrived at ${result.settings.rate}/s (open model) for ${result.settings.seconds} s; ${result.fans.bought} bought a seat, ${result.fans.failed} did not; all done after ${result.fans.seconds} s; at most ${result.fans.maxOpenStreams} SSE streams open at once.`,
    "",
    `| what | rate | ratio to its ceiling |`,
    "|---|---:|---:|",
    `| joins (offered) | ${joinsPerSecond.toFixed(0)}/s | ${(joinsPerSecond / edgeCeiling).toFixed(3)} of the bare Worker route |`,
    `| purchases (sustained over the run) | ${result.fans.purchasesPerSecond}/s | ${(result.fans.purchasesPerSecond / insertCeiling).toFixed(3)} of the bare insert |`,
    "",
    "## Per step",
    "",
    "| step | count | p50 ms | p95 ms | p99 ms | max ms | 2xx | 409 | 429 | other 4xx | 5xx | network error / timeout |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...STEPS.map((s) => {
      const st = result.steps[s];
      const n = st.statuses;
      return `| ${s} | ${st.latency.count} | ${st.latency.p50ms} | ${st.latency.p95ms} | ${st.latency.p99ms} | ${st.latency.maxMs} | ${n ? [n["2xx"], n["409"], n["429"], n["4xx"], n["5xx"], n.error].join(" | ") : "- | - | - | - | - | -"} |`;
    }),
    "",
    `Answers other than 2xx, by step, status and error code: ${Object.entries(result.errorCodes).map(([k, v]) => `${k}: ${v}`).join("; ") || "none"}.`,
    "",
    "`wait` is the time on the SSE stream from opening it to the `admitted` event; `journey` is join to purchase for the fans who bought.",
    "",
    "## Invariants (read from MySQL and Redis after the run and after every hold expired)",
    "",
    ...result.invariants.map((i) => `- ${i.ok ? "ok" : "**FAILED**"}: ${i.name} — ${i.detail}`),
    "",
    `![throughput and latency over time](${name}.svg)`,
    "",
  ];
  writeFileSync(join(dir, `${name}.md`), md.join("\n"));
  const t = result.perSecond.map((s) => s.t);
  writeFileSync(
    join(dir, `${name}.svg`),
    await plotSvg(`Fan journey through the edge: ${result.settings.rate} fans/s for ${result.settings.seconds} s`, t, [
      {
        title: "throughput",
        unit: "per second",
        series: [
          { label: "arrivals", color: "#888", values: result.perSecond.map((s) => s.arrivals), dashed: true },
          { label: "purchases", color: "#2a7", values: result.perSecond.map((s) => s.purchases) },
          { label: "failed journeys", color: "#d33", values: result.perSecond.map((s) => s.failures) },
        ],
      },
      { title: "open SSE streams", unit: "streams", series: [{ label: "waiting fans", color: "#36c", values: result.perSecond.map((s) => s.streams) }] },
      { title: "purchase latency", unit: "p95 ms", series: [{ label: "purchase p95", color: "#c60", values: result.perSecond.map((s) => s.purchaseP95ms ?? Number.NaN) }] },
    ]),
  );
  console.log(`results: bench/results/${name}.{md,json,svg}`);
}
