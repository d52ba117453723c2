/**
 * The origin's Prometheus metrics. Counters and histograms count what this instance did
 * (requests, the admissions it made while leading); the queue gauges are read from Redis
 * at scrape time, so every instance reports the same, cluster-wide values.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type Redis from "ioredis";
import { sql } from "drizzle-orm";
import { eventKeys, globalKeys } from "../../../../common/keys.ts";
import type { Db } from "../../db/client.ts";
import type { Clock } from "../../lib/clock.ts";
import type { SchedulerObserver } from "../../admission/scheduler.ts";
import { logJson } from "./log.ts";

/** Most events whose queue gauges one scrape reads. */
const MAX_EVENTS_PER_SCRAPE = 500;

/** How often the same scheduler failure of one event is logged again. */
const ERROR_LOG_EVERY_MS = 5000;
const errorLog = new Map<string, { at: number; skipped: number }>();

export interface MetricsSources {
  redis: Redis;
  db: Db;
  clock: Clock;
}

interface QueueRow {
  event: string;
  status: string | null;
  replaced: number;
  waiting: number;
  active: number;
  unclaimed: number;
  measured: number;
}

async function readQueueRows(redis: Redis, now: number): Promise<QueueRow[]> {
  const ids = (await redis.smembers(globalKeys.queues)).slice(0, MAX_EVENTS_PER_SCRAPE);
  const pipeline = redis.pipeline();
  for (const id of ids) {
    const k = eventKeys(id);
    pipeline.zcard(k.queue).zcount(k.active, `(${now}`, "+inf").zcard(k.admitted).hmget(k.queueState, "status", "admitRate", "replacedTotal");
  }
  const replies = (await pipeline.exec()) ?? [];
  return ids.map((event, i) => {
    const [waiting, active, unclaimed, state] = replies.slice(i * 4, i * 4 + 4).map(([, v]) => v) as [number, number, number, [string | null, string | null, string | null]];
    return { event, status: state?.[0] ?? null, replaced: Number(state?.[2] ?? 0), waiting: Number(waiting), active: Number(active), unclaimed: Number(unclaimed), measured: Number(state?.[1] ?? 0) };
  });
}

export class OriginMetrics {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: "cu_http_request_duration_seconds",
    help: "Origin request latency by route and status (holds, purchases, ...)",
    labelNames: ["method", "route", "status"],
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly purchaseDbDuration = new Histogram({
    name: "cu_purchase_db_seconds",
    help: "Purchase database transaction latency (order and reservations under the unique index, connection wait included): what adaptive mode steers by",
    buckets: [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly admitted = this.counter("cu_admitted_total", "Fans admitted by this instance while it led the event");
  readonly abandoned = this.counter("cu_abandoned_tickets_total", "Waiting tickets dropped at the head because their fan left");
  readonly claimExpired = this.counter("cu_claim_expiries_total", "Admissions reclaimed because the claim window passed unclaimed");
  readonly sessionsEnded = this.counter("cu_sessions_expired_total", "Active sessions that ran out");
  readonly leader = this.gauge("cu_scheduler_leader", "1 while this instance schedules the event");
  readonly targetRate = this.gauge("cu_admission_rate_target", "Admissions per second the scheduler aims for (adaptive rate, within the ceiling)");
  readonly ceilingRate = this.gauge("cu_admission_rate_ceiling", "Admissions per second allowed at most (set by hand or from measured capacity)");
  readonly adaptiveP95 = this.gauge("cu_adaptive_purchase_latency_p95_seconds", "Purchase database transaction latency p95 the adaptive rate last decided on");
  readonly adaptiveDecisions = new Counter({
    name: "cu_adaptive_decisions_total",
    help: "Adaptive rate decisions by action (decrease, increase, hold)",
    labelNames: ["event", "action"],
    registers: [this.registry],
  });
  readonly salesOpened = this.counter("cu_prequeue_draws_total", "Fans placed by the pre-queue lottery");
  readonly tickDuration = new Histogram({
    name: "cu_scheduler_tick_seconds",
    help: "Duration of one scheduler tick of one event (Redis round trips included)",
    buckets: [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly schedulerErrors = this.counter("cu_scheduler_errors_total", "Scheduler ticks that failed");
  readonly restores = new Counter({
    name: "cu_queue_restores_total",
    help: "Lines this instance rebuilt from MySQL after Redis lost them, by kind (full: Redis came back empty; partial: Redis went back to an older snapshot)",
    labelNames: ["event", "kind"],
    registers: [this.registry],
  });
  readonly turnMailsSent = this.counter("cu_turn_mails_sent_total", "Turn emails the SMTP server accepted (docs/COME-BACK.md)");
  readonly turnMailFailures = this.counter("cu_turn_mail_failures_total", "Turn emails given up on: every try failed, the claim window passed, or the send queue was full");
  readonly turnMailRetries = this.counter("cu_turn_mail_retries_total", "Turn email sends that failed and were tried again");
  readonly lostNumbers = this.counter("cu_queue_lost_numbers_total", "Queue numbers a restore found without their ticket (awaiting their fans in `lost`)");

  constructor(sources: MetricsSources) {
    const { redis, db, clock } = sources;
    // One Redis read per scrape, shared by the queue gauges (each sets its own values in its collect).
    let snapshot: { at: number; rows: Promise<QueueRow[]> } | null = null;
    const readQueues = () => {
      if (!snapshot || performance.now() - snapshot.at > 250) snapshot = { at: performance.now(), rows: readQueueRows(redis, clock.now()) };
      return snapshot.rows;
    };
    const queueGauge = (name: string, help: string, value: (row: QueueRow) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ["event"],
        registers: [this.registry],
        async collect() {
          const rows = await readQueues();
          this.reset();
          for (const row of rows) this.set({ event: row.event }, value(row));
        },
      });
    queueGauge("cu_queue_waiting", "Fans waiting in line", (r) => r.waiting);
    queueGauge("cu_active_sessions", "Live sessions in the purchase area", (r) => r.active);
    queueGauge("cu_admitted_unclaimed", "Admitted fans who have not claimed yet", (r) => r.unclaimed);
    queueGauge("cu_admission_rate_measured", "Admissions per second over the last minute (what fans' wait estimates use)", (r) => r.measured);
    queueGauge("cu_queue_replaced_fans", "Fans put back at their own number since the line was last restored (queue state replacedTotal, written by the edge)", (r) => r.replaced);
    queueGauge("cu_queue_open", "1 while the event's waiting room admits (status open)", (r) => (r.status === "open" ? 1 : 0));
    const registry = this.registry;
    new Gauge({
      name: "cu_redis_ping_seconds",
      help: "Round trip of a Redis PING at scrape time",
      registers: [registry],
      async collect() {
        const t0 = performance.now();
        await redis.ping();
        this.set((performance.now() - t0) / 1000);
      },
    });
    new Gauge({
      name: "cu_db_ping_seconds",
      help: "Round trip of a MySQL SELECT 1 at scrape time",
      registers: [registry],
      async collect() {
        const t0 = performance.now();
        await db.execute(sql`SELECT 1`);
        this.set((performance.now() - t0) / 1000);
      },
    });
  }

  private counter(name: string, help: string) {
    return new Counter({ name, help, labelNames: ["event"], registers: [this.registry] });
  }

  private gauge(name: string, help: string) {
    return new Gauge({ name, help, labelNames: ["event"], registers: [this.registry] });
  }

  /** Feeds the scheduler's reports into the metrics (and logs what operators care about). */
  schedulerObserver(instanceId: () => string): SchedulerObserver {
    return {
      leadership: (event, leader) => {
        this.leader.set({ event }, leader ? 1 : 0);
        logJson("info", leader ? "scheduler lease taken" : "scheduler lease lost", { event, instance: instanceId() });
      },
      tick: (event, r, rate, ceiling, seconds) => {
        if (r.admitted) this.admitted.inc({ event }, r.admitted);
        if (r.abandoned) this.abandoned.inc({ event }, r.abandoned);
        if (r.claimExpired) this.claimExpired.inc({ event }, r.claimExpired);
        if (r.sessionsEnded) this.sessionsEnded.inc({ event }, r.sessionsEnded);
        this.targetRate.set({ event }, rate);
        this.ceilingRate.set({ event }, ceiling.rate);
        this.tickDuration.observe(seconds);
      },
      adaptive: (event, d) => {
        this.adaptiveDecisions.inc({ event, action: d.action });
        if (d.p95Ms !== null) this.adaptiveP95.set({ event }, d.p95Ms / 1000);
        if (d.action === "decrease") logJson("warn", "admission rate backed off", { event, rate: d.rate, ceiling: d.ceiling, p95Ms: d.p95Ms, samples: d.samples });
      },
      saleOpened: (event, drawn) => {
        this.salesOpened.inc({ event }, drawn);
        logJson("info", "sale opened", { event, drawn });
      },
      restored: (event, kind, r) => {
        this.restores.inc({ event, kind });
        if (r.lost) this.lostNumbers.inc({ event }, r.lost);
        logJson("warn", "line restored from MySQL", { event, kind, serving: r.serving, seq: r.seq, lost: r.lost, dropped: r.dropped });
      },
      error: (event, error) => {
        this.schedulerErrors.inc({ event });
        // a Redis that is down fails every tick of every event: one line per event and
        // message every few seconds, with how many were left out (the counter has them all)
        const message = error instanceof Error ? error.message : String(error);
        const key = `${event}\u0000${message}`;
        const now = Date.now();
        const last = errorLog.get(key);
        if (last && now - last.at < ERROR_LOG_EVERY_MS) {
          last.skipped++;
          return;
        }
        errorLog.set(key, { at: now, skipped: 0 });
        if (errorLog.size > 1000) errorLog.clear();
        logJson("error", "scheduler tick failed", { event, error, ...(last?.skipped ? { repeatedSinceLastLog: last.skipped } : {}) });
      },
    };
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
