/**
 * The admission layer's parts for one origin: its settings, capacity store, latency
 * recorders, durable line, session recovery and scheduler. Built once by the composition
 * root (origin/src/compose.ts) and handed to the features in `Deps.admission`; main.ts
 * starts the scheduler, tests build apps without starting it. What the layer needs from
 * above (the event an admission is for, the metrics and dashboard its reports feed) comes
 * in as hooks and an observer, so admission imports no feature (origin/src/LAYERS.md).
 */
import type Redis from "ioredis";
import type { Db } from "../db/client.ts";
import type { Clock } from "../lib/clock.ts";
import { CapacityStore } from "./capacity.ts";
import type { SchedulerConfig } from "./config.ts";
import { scheduledEvents } from "./discovery.ts";
import { DurableLine } from "./durable.ts";
import { LatencyRecorder } from "./latency.ts";
import type { RestoreHooks } from "./restore.ts";
import { Scheduler, type LeaderTick, type SchedulerObserver } from "./scheduler.ts";
import { SessionRecovery } from "./session-recovery.ts";
import type { TierLayout } from "./seat-budget.ts";

export interface AdmissionSources {
  redis: Redis;
  db: Db;
  clock: Clock;
  config: SchedulerConfig;
  /** what a restore asks of the event catalogue */
  hooks: RestoreHooks;
  /** receives the scheduler's reports (leadership, ticks, restores, errors) */
  observer: SchedulerObserver;
  /** what the leader does for an event after admitting, each tick (the waiting list) */
  leaderTick?: LeaderTick;
  /** an event's tiers, for the seat budgets */
  seatTiers?: (eventId: string) => Promise<TierLayout | null>;
  /** resolves once the work the observer started is written (stop waits for it) */
  observerSettled?: () => Promise<void>;
}

export class AdmissionRuntime {
  readonly config: SchedulerConfig;
  readonly capacity: CapacityStore;
  /** whole purchase request latency (the dashboard shows it) */
  readonly latency: LatencyRecorder;
  /** purchase database transaction latency (adaptive mode steers by it) */
  readonly dbLatency: LatencyRecorder;
  /** waiting rooms, checkpoints, admissions and claims in MySQL */
  readonly line: DurableLine;
  /** brings back sessions a Redis loss dropped */
  readonly sessions: SessionRecovery;
  readonly scheduler: Scheduler;

  constructor(private readonly sources: AdmissionSources) {
    const { redis, db, clock, config } = sources;
    this.config = config;
    this.capacity = new CapacityStore(redis, config.environment, config.capacityFile);
    this.latency = new LatencyRecorder(redis, 250, "purchaseLatency");
    this.dbLatency = new LatencyRecorder(redis, 250, "purchaseDbLatency");
    this.line = new DurableLine(db);
    this.sessions = new SessionRecovery({ redis, clock, line: this.line, defaultSessionSeconds: config.defaultSessionSeconds });
    this.scheduler = new Scheduler({
      redis,
      clock,
      config,
      listEvents: () => scheduledEvents(redis),
      capacityTps: async () => (await this.capacity.get())?.tps ?? null,
      durable: { line: this.line, hooks: sources.hooks },
      observer: sources.observer,
      ...(sources.leaderTick ? { leaderTick: sources.leaderTick } : {}),
      seatTiers: sources.seatTiers,
    });
  }

  /** Starts admitting fans for every event with a waiting room. */
  start(): void {
    this.scheduler.start();
  }

  /** Stops the scheduler (handing its leases over at once) and flushes latency samples. */
  async stop(): Promise<void> {
    await this.scheduler.stop();
    await Promise.all([this.sources.observerSettled?.(), this.scheduler.settled()]);
    for (const recorder of [this.latency, this.dbLatency]) recorder.stop();
    await this.flushLatency();
  }

  /** Pushes the latency samples buffered so far to Redis now, rather than at the next flush. */
  async flushLatency(): Promise<void> {
    await Promise.all([this.latency.flush(), this.dbLatency.flush()].map((p) => p.catch(() => {})));
  }
}
