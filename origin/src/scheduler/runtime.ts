/**
 * Admission's parts for one origin (one set of Deps): its settings, capacity store,
 * latency recorder, metrics and scheduler. Built on first use; main.ts starts the
 * scheduler, tests build apps without starting it.
 */
import type { Deps } from "../deps.ts";
import { OriginMetrics } from "../modules/metrics/service.ts";
import { CapacityStore } from "./capacity.ts";
import { parseSchedulerConfig, type SchedulerConfig } from "./config.ts";
import { scheduledEvents } from "./discovery.ts";
import { LatencyRecorder } from "./latency.ts";
import { Scheduler } from "./scheduler.ts";

export interface AdmissionRuntime {
  config: SchedulerConfig;
  capacity: CapacityStore;
  latency: LatencyRecorder;
  metrics: OriginMetrics;
  scheduler: Scheduler;
}

const runtimes = new WeakMap<object, AdmissionRuntime>();

export function admissionRuntime(deps: Deps, env: Record<string, string | undefined> = process.env): AdmissionRuntime {
  let r = runtimes.get(deps);
  if (r) return r;
  const config = parseSchedulerConfig(env);
  const capacity = new CapacityStore(deps.redis, config.environment, config.capacityFile);
  const metrics = new OriginMetrics({ redis: deps.redis, db: deps.database.db, clock: deps.clock });
  let scheduler: Scheduler | undefined;
  scheduler = new Scheduler({
    redis: deps.redis,
    clock: deps.clock,
    config,
    listEvents: () => scheduledEvents(deps.redis),
    capacityTps: async () => (await capacity.get())?.tps ?? null,
    observer: metrics.schedulerObserver(() => scheduler?.instanceId ?? "?"),
  });
  r = { config, capacity, latency: new LatencyRecorder(deps.redis), metrics, scheduler };
  runtimes.set(deps, r);
  return r;
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
  r.latency.stop();
  await r.latency.flush().catch(() => {});
}
