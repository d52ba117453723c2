/**
 * Admission's parts for one origin (one set of Deps): its settings, capacity store,
 * latency recorder, metrics and scheduler. Built on first use; main.ts starts the
 * scheduler, tests build apps without starting it.
 */
import type { Deps } from "../deps.ts";
import { DashboardSampler } from "../modules/dashboard/sampler.ts";
import { logJson } from "../modules/metrics/log.ts";
import { OriginMetrics } from "../modules/metrics/service.ts";
import { CapacityStore } from "./capacity.ts";
import { parseSchedulerConfig, type SchedulerConfig } from "./config.ts";
import { scheduledEvents } from "./discovery.ts";
import { DurableLine } from "./durable.ts";
import { syncEvent } from "../modules/events/sync.ts";
import { LatencyRecorder } from "./latency.ts";
import { Scheduler } from "./scheduler.ts";

export interface AdmissionRuntime {
  config: SchedulerConfig;
  capacity: CapacityStore;
  /** whole purchase request latency (the dashboard shows it) */
  latency: LatencyRecorder;
  /** purchase database transaction latency (adaptive mode steers by it) */
  dbLatency: LatencyRecorder;
  metrics: OriginMetrics;
  scheduler: Scheduler;
  /** organiser dashboard samples, taken on the ticks this instance leads */
  dashboard: DashboardSampler;
  /** waiting rooms, checkpoints, admissions and claims in MySQL */
  line: DurableLine;
}

const runtimes = new WeakMap<object, AdmissionRuntime>();

export function admissionRuntime(deps: Deps, env: Record<string, string | undefined> = process.env): AdmissionRuntime {
  let r = runtimes.get(deps);
  if (r) return r;
  const config = parseSchedulerConfig(env);
  const capacity = new CapacityStore(deps.redis, config.environment, config.capacityFile);
  const metrics = new OriginMetrics({ redis: deps.redis, db: deps.database.db, clock: deps.clock });
  const dashboard = new DashboardSampler({
    redis: deps.redis,
    clock: deps.clock,
    seatKeys: async (eventId) => (await deps.catalog.find(eventId))?.seatKeys ?? null,
    latencyWindowMs: config.adaptive.windowMs,
    onError: (event, error) => logJson("warn", "dashboard sample failed", { event, error }),
  });
  let scheduler: Scheduler | undefined;
  const line = new DurableLine(deps.database.db);
  const observer = metrics.schedulerObserver(() => scheduler?.instanceId ?? "?");
  scheduler = new Scheduler({
    redis: deps.redis,
    clock: deps.clock,
    config,
    listEvents: () => scheduledEvents(deps.redis),
    capacityTps: async () => (await capacity.get())?.tps ?? null,
    durable: {
      line,
      hooks: {
        about: async (eventId) => (await deps.catalog.find(eventId))?.event ?? null,
        republish: async (eventId) => {
          const entry = await deps.catalog.find(eventId);
          if (entry) await syncEvent(deps.redis, deps.database.db, entry.event);
        },
      },
    },
    observer: {
      ...observer,
      tick: (eventId, result, rate, ceiling, seconds) => {
        observer.tick?.(eventId, result, rate, ceiling, seconds);
        dashboard.tick(eventId, result, rate, ceiling.rate);
      },
    },
  });
  r = {
    config,
    capacity,
    latency: new LatencyRecorder(deps.redis, 250, "purchaseLatency"),
    dbLatency: new LatencyRecorder(deps.redis, 250, "purchaseDbLatency"),
    metrics,
    scheduler,
    dashboard,
    line,
  };
  runtimes.set(deps, r);
  return r;
}

/**
 * Records how long a purchase's database transaction took (the order insert under the
 * unique index, connection wait included): the sample adaptive mode steers by, and a
 * Prometheus histogram.
 */
export function recordPurchaseDbLatency(deps: Deps, eventId: string, ms: number): void {
  const r = admissionRuntime(deps);
  r.dbLatency.record(eventId, ms, deps.clock.now());
  r.metrics.purchaseDbDuration.observe(ms / 1000);
}

/** Pushes the latency samples buffered so far to Redis now, rather than at the next flush. */
export async function flushLatency(deps: Deps): Promise<void> {
  const r = runtimes.get(deps);
  if (!r) return;
  await Promise.all([r.latency.flush(), r.dbLatency.flush()].map((p) => p.catch(() => {})));
}

/** Starts admitting fans for every event with a waiting room. */
export function startAdmission(deps: Deps): AdmissionRuntime {
  const r = admissionRuntime(deps);
  r.scheduler.start();
  return r;
}

/** Stops the scheduler (handing its leases over at once) and flushes latency samples. */
export async function stopAdmission(deps: Deps): Promise<void> {
  const r = runtimes.get(deps);
  if (!r) return;
  await r.scheduler.stop();
  await Promise.all([r.dashboard.settled(), r.scheduler.settled()]);
  for (const recorder of [r.latency, r.dbLatency]) recorder.stop();
  await flushLatency(deps);
}
