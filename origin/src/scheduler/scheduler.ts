/**
 * The admission scheduler. Every origin instance runs one; for each event, the instance
 * holding the event's lease ticks it several times a second: renew the lease, open a
 * pre-queue whose time has come, steer the adaptive rate, and admit
 * min(rate budget, free slots) fans in one script call that is fenced by the lease token.
 */
import type Redis from "ioredis";
import { eventKeys, globalKeys, type EventKeys } from "../../../common/keys.ts";
import { AdmitCode, LeaseCode, OpenSaleCode } from "../../../lua/admission.ts";
import type { Clock } from "../lib/clock.ts";
import { AdaptiveRate, type AdaptiveDecision } from "./adaptive.ts";
import { RateBudget } from "./budget.ts";
import type { SchedulerConfig } from "./config.ts";
import { readLatencyWindow, type LatencyWindow } from "./latency.ts";
import { acquireLease, admitFans, openSale, renewLease, type AdmitResult } from "./scripts.ts";
import { ceilingRate, parseSettings, type Ceiling, type QueueSettings } from "./settings.ts";

/** What the scheduler reports, for metrics and logs. */
export interface SchedulerObserver {
  leadership?(eventId: string, leader: boolean): void;
  tick?(eventId: string, result: AdmitResult, rate: number, ceiling: Ceiling, seconds: number): void;
  adaptive?(eventId: string, decision: AdaptiveDecision): void;
  saleOpened?(eventId: string, drawn: number): void;
  error?(eventId: string, error: unknown): void;
}

export interface SchedulerOptions {
  redis: Redis;
  clock: Clock;
  config: SchedulerConfig;
  /** ids of the events to schedule (re-read every few seconds) */
  listEvents: () => Promise<string[]>;
  /** measured purchase capacity (tps) of this environment, if any */
  capacityTps?: () => Promise<number | null>;
  /** purchase database transaction latency over the samples since `since` (ms); defaults to the shared Redis samples */
  latency?: (eventId: string, since: number) => Promise<LatencyWindow>;
  observer?: SchedulerObserver;
  instanceId?: string;
}

interface EventState {
  keys: EventKeys;
  token: string | null;
  budget: RateBudget;
  adaptive: AdaptiveRate;
  lastRate: number | null;
}

const LIST_EVERY_MS = 1000;

export class Scheduler {
  readonly instanceId: string;
  private readonly events = new Map<string, EventState>();
  private eventIds: string[] = [];
  private listedAt = -Infinity;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;

  constructor(private readonly o: SchedulerOptions) {
    this.instanceId = o.instanceId ?? crypto.randomUUID().replace(/-/g, "").slice(0, 16);
    if (this.instanceId.includes(":")) throw new Error("instance id may not contain ':'");
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const loop = async () => {
      if (this.stopped) return;
      const started = performance.now();
      this.running = this.tick().catch((error) => this.o.observer?.error?.("*", error));
      await this.running;
      this.running = null;
      if (!this.stopped) this.timer = setTimeout(loop, Math.max(0, this.o.config.tickMs - (performance.now() - started)));
    };
    void loop();
  }

  /**
   * Stops ticking. With `release`, gives up every lease at once so another instance takes
   * over without waiting for the lease to run out (a crash does not release).
   */
  async stop({ release = true } = {}): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    if (!release) return;
    await Promise.allSettled(
      [...this.events.entries()].map(async ([eventId, s]) => {
        if (s.token) await renewLease(this.o.redis, s.keys, s.token, 0);
        this.setToken(eventId, s, null);
      }),
    );
  }

  isLeader(eventId: string): boolean {
    return Boolean(this.events.get(eventId)?.token);
  }

  /** One tick over every event. */
  async tick(): Promise<void> {
    const now = this.o.clock.now();
    if (now - this.listedAt >= LIST_EVERY_MS || this.listedAt > now) {
      this.eventIds = await this.o.listEvents();
      this.listedAt = now;
    }
    await Promise.all(
      this.eventIds.map((eventId) =>
        this.tickEvent(eventId).catch((error) => {
          this.o.observer?.error?.(eventId, error);
        }),
      ),
    );
  }

  private state(eventId: string): EventState {
    let s = this.events.get(eventId);
    if (!s) {
      s = { keys: eventKeys(eventId), token: null, budget: new RateBudget(this.o.config.burstSeconds), adaptive: new AdaptiveRate(this.o.config.adaptive), lastRate: null };
      this.events.set(eventId, s);
    }
    return s;
  }

  private setToken(eventId: string, s: EventState, token: string | null) {
    if (Boolean(s.token) !== Boolean(token)) {
      s.budget.reset();
      s.adaptive.reset();
      this.o.observer?.leadership?.(eventId, Boolean(token));
    }
    s.token = token;
  }

  /** One tick of one event; returns what the admit script did, or null when not leading. */
  async tickEvent(eventId: string): Promise<AdmitResult | null> {
    const { redis, clock, config } = this.o;
    const s = this.state(eventId);
    const t0 = performance.now();
    const [lease, hash] = await Promise.all([acquireLease(redis, s.keys, this.instanceId, config.leaseMs), redis.hgetall(s.keys.queueState)]);
    this.setToken(eventId, s, lease.code === LeaseCode.LEADER ? lease.token : null);
    if (!s.token) return null;
    const settings = parseSettings(hash, config);
    if (!settings) {
      // the waiting room was deleted: stop scheduling it (opening sets the status before listing it)
      if (!hash.status) await redis.srem(globalKeys.queues, eventId);
      return null;
    }
    const now = clock.now();

    if (settings.status === "prequeue" && settings.opensAt !== null && settings.opensAt <= now) {
      const opened = await openSale(redis, s.keys, s.token, now);
      if (opened.code === OpenSaleCode.OPENED) {
        settings.status = "open";
        this.o.observer?.saleOpened?.(eventId, opened.drawn);
      } else if (opened.code === OpenSaleCode.NOT_LEADER) {
        this.setToken(eventId, s, null);
        return null;
      }
    }

    const ceiling = ceilingRate(settings, (await this.o.capacityTps?.()) ?? null, config);
    const rate = await this.steer(eventId, s, settings, ceiling, now);
    let budget = 0;
    if (settings.status === "open") budget = s.budget.available(now, rate);
    else s.budget.reset();

    const result = await admitFans(redis, s.keys, {
      token: s.token,
      now,
      budget,
      maxActive: settings.maxActive,
      claimMs: Math.round(settings.claimSeconds * 1000),
      presenceGraceMs: config.presenceGraceMs,
      sessionMs: Math.round(settings.sessionSeconds * 1000),
      maxDrops: config.maxDropsPerTick,
    });
    if (result.code === AdmitCode.NOT_LEADER) {
      this.setToken(eventId, s, null);
      return null;
    }
    s.budget.spend(result.admitted);
    this.o.observer?.tick?.(eventId, result, rate, ceiling, (performance.now() - t0) / 1000);
    return result;
  }

  /** The rate to admit at: the ceiling, or the adaptive rate below it. Publishes changes in the queue state. */
  private async steer(eventId: string, s: EventState, settings: QueueSettings, ceiling: Ceiling, now: number): Promise<number> {
    let rate = ceiling.rate;
    if (settings.adaptive) {
      if (s.adaptive.due(now)) {
        const since = Math.max(now - this.o.config.adaptive.windowMs, s.adaptive.sampleSince);
        const window = await (this.o.latency ?? ((id, from) => readLatencyWindow(this.o.redis, id, from, "purchaseDbLatency")))(eventId, since);
        const decision = s.adaptive.decide(now, ceiling.rate, window);
        this.o.observer?.adaptive?.(eventId, decision);
      }
      rate = s.adaptive.current(ceiling.rate);
    } else s.adaptive.reset();
    if (rate !== s.lastRate) {
      s.lastRate = rate;
      await this.o.redis.hset(s.keys.queueState, { targetRate: rate.toFixed(3), ceilingRate: ceiling.rate.toFixed(3), rateSource: ceiling.source });
    }
    return rate;
  }
}
