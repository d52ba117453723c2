/**
 * The admission scheduler. Every origin instance runs one; for each event, the instance
 * holding the event's lease ticks it several times a second: renew the lease, open a
 * pre-queue whose time has come, steer the adaptive rate, and admit
 * min(rate budget, free slots) fans in one script call that is fenced by the lease token.
 *
 * With MySQL (`durable`), the events are those of MySQL's waiting rooms as well as
 * `cu:queues`, so a Redis that lost the registry is still scheduled; the leader rebuilds
 * a line Redis lost (restore.ts), catches Redis up with the MySQL definition, and
 * checkpoints each tick's admissions and counters in MySQL (in the background, one write
 * in flight per event, so a slow database never slows admissions).
 */
import type Redis from "ioredis";
import { eventKeys, globalKeys, type EventKeys } from "../../../common/keys.ts";
import { AdmitCode, LeaseCode, OpenSaleCode } from "../../../lua/codes.ts";
import type { Clock } from "../lib/clock.ts";
import { AdaptiveRate, type AdaptiveDecision } from "./adaptive.ts";
import { RateBudget } from "./budget.ts";
import type { SchedulerConfig } from "./config.ts";
import { readLatencyWindow, type LatencyWindow } from "./latency.ts";
import { acquireLease, admitFans, applyRoom, openSale, renewLease, type AdmitResult, type RestoreResult } from "./scripts.ts";
import { markOpened, roomFields } from "./rooms.ts";
import { parseClaim, type CheckpointWrite, type DurableLine, type DurableRoom } from "./durable.ts";
import { IssueRate } from "./issue-rate.ts";
import { JoinTimes } from "./join-times.ts";
import { beingOpened, detectLoss, restoreEvent, type DurableCounters, type LossKind, type RestoreHooks } from "./restore.ts";
import { ceilingRate, parseSettings, type Ceiling, type QueueSettings } from "./settings.ts";
import { readSeatBudget, tierCutoffs, type TierLayout } from "./seat-budget.ts";

/** What the scheduler reports, for metrics and logs. */
export interface SchedulerObserver {
  leadership?(eventId: string, leader: boolean): void;
  tick?(eventId: string, result: AdmitResult, rate: number, ceiling: Ceiling, seconds: number): void;
  adaptive?(eventId: string, decision: AdaptiveDecision): void;
  saleOpened?(eventId: string, drawn: number): void;
  restored?(eventId: string, kind: LossKind, result: RestoreResult): void;
  error?(eventId: string, error: unknown): void;
}

/** A leader's tick as the `leaderTick` hook sees it: the lease token that fences its scripts, the status, the claim window. */
export type LeaderTick = (eventId: string, run: { token: string; status: QueueSettings["status"]; claimMs: number; now: number }) => Promise<void>;

/** MySQL's part: where rooms, checkpoints and claims live, and how a restore republishes an event. */
export interface SchedulerDurability {
  line: DurableLine;
  hooks: RestoreHooks;
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
  /**
   * What the leader does for an event after admitting, on every tick it leads (the waiting
   * list after sell-out, wired in compose.ts); run in the background, one at a time per
   * event, so it never slows admissions
   */
  leaderTick?: LeaderTick;
  instanceId?: string;
  durable?: SchedulerDurability;
  /** an event's tiers, for the seat budgets (seat-budget.ts); null: no layout */
  seatTiers?: (eventId: string) => Promise<TierLayout | null>;
}

interface EventState {
  keys: EventKeys;
  token: string | null;
  budget: RateBudget;
  adaptive: AdaptiveRate;
  lastRate: number | null;
  issue: IssueRate;
  /** when each number was handed out, as the counter grew tick by tick */
  joins: JoinTimes;
  /** the newest checkpoint this instance committed */
  committed: DurableCounters | null;
  /** admissions and counters not yet in MySQL */
  pending: CheckpointWrite | null;
  writing: Promise<void> | null;
  writtenAt: number;
  /** the leaderTick hook's run under way, if any */
  hooked: Promise<void> | null;
  /** the tier cut-offs last published (`choiceCutoffs`), "" for none, null before the first tick */
  cutoffs: string | null;
}

const LIST_EVERY_MS = 1000;
/** an idle event is checkpointed at least this often, so the time since the checkpoint stays short */
const CHECKPOINT_IDLE_MS = 1000;
/** claim log entries copied to MySQL per write */
const CLAIMS_PER_COPY = 1000;

/** The larger of each of two readings of counters that only grow. */
function newest(a: DurableCounters, b: DurableCounters): DurableCounters {
  return { serving: Math.max(a.serving, b.serving), lastNumber: Math.max(a.lastNumber, b.lastNumber), at: Math.max(a.at, b.at), issueRate: Math.max(a.issueRate, b.issueRate) };
}

export class Scheduler {
  readonly instanceId: string;
  private readonly events = new Map<string, EventState>();
  private eventIds: string[] = [];
  private rooms = new Map<string, DurableRoom>();
  private listedAt = -Infinity;
  /**
   * Redis connections made so far (one more at each reconnect), and the one the rooms were
   * listed on. A Redis that reconnected may have come back from an older copy, and rooms
   * listed before hold checkpoints that are older still, too old to tell the loss: the
   * first tick after a reconnect lists anew, and a tick that was waiting on Redis across
   * the reconnect reads its event's room from MySQL before deciding whether Redis lost it.
   */
  private connections = 0;
  private listedOn = -1;
  private readonly reconnected = () => {
    this.connections++;
  };
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;

  constructor(private readonly o: SchedulerOptions) {
    this.instanceId = o.instanceId ?? crypto.randomUUID().replace(/-/g, "").slice(0, 16);
    if (this.instanceId.includes(":")) throw new Error("instance id may not contain ':'");
    o.redis.on("ready", this.reconnected);
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

  /** Resolves once every checkpoint write under way has finished. */
  async settled(): Promise<void> {
    await Promise.all([...this.events.values()].flatMap((s) => [s.writing, s.hooked]));
  }

  /** The waiting room MySQL has for an event, as last read (re-read every second). */
  durableRoom(eventId: string): DurableRoom | undefined {
    return this.rooms.get(eventId);
  }

  /** Reads one event's waiting room from MySQL now, as listing all of them does every second (for ticking one event by hand). */
  async readRoom(eventId: string): Promise<DurableRoom | null> {
    const room = (await this.o.durable?.line.room(eventId)) ?? null;
    if (room) this.rooms.set(eventId, room);
    return room;
  }

  /**
   * The events to tick: `cu:queues` united with MySQL's waiting rooms. Either source may
   * fail alone (Redis lost, MySQL down); the other still lists, and a failed one keeps its
   * last answer.
   */
  private async listAll(): Promise<void> {
    const durable = this.o.durable;
    const [listed, rooms] = await Promise.allSettled([this.o.listEvents(), durable ? durable.line.rooms() : Promise.resolve(new Map<string, DurableRoom>())]);
    if (rooms.status === "fulfilled") this.rooms = rooms.value;
    else this.o.observer?.error?.("*", rooms.reason);
    const fromRedis = listed.status === "fulfilled" ? listed.value : this.eventIds.filter((id) => !this.rooms.has(id));
    if (listed.status === "rejected" && rooms.status === "rejected") throw listed.reason;
    this.eventIds = [...new Set([...fromRedis, ...this.rooms.keys()])];
  }

  /** One tick over every event. */
  async tick(): Promise<void> {
    const now = this.o.clock.now();
    let listed = false;
    if (now - this.listedAt >= LIST_EVERY_MS || this.listedAt > now || this.listedOn !== this.connections) {
      const on = this.connections;
      // after a reconnect, checkpoints still being written count too
      if (this.listedOn !== on) await this.settled();
      await this.listAll();
      this.listedOn = on;
      this.listedAt = now;
      listed = true;
    }
    const ticks = await Promise.allSettled(
      this.eventIds.map((eventId) =>
        this.tickEvent(eventId).catch((error) => {
          this.o.observer?.error?.(eventId, error);
          throw error;
        }),
      ),
    );
    // every room listed was gone over (and restored where Redis had lost it): the edge may
    // tell a fan asking for an event without queue state that it has no waiting room
    if (listed && ticks.every((t) => t.status === "fulfilled")) await this.o.redis.set(globalKeys.scheduled, now).catch(() => {});
  }

  private state(eventId: string): EventState {
    let s = this.events.get(eventId);
    if (!s) {
      s = {
        keys: eventKeys(eventId),
        token: null,
        budget: new RateBudget(this.o.config.burstSeconds),
        adaptive: new AdaptiveRate(this.o.config.adaptive),
        lastRate: null,
        issue: new IssueRate(),
        joins: new JoinTimes(),
        committed: null,
        pending: null,
        writing: null,
        writtenAt: -Infinity,
        hooked: null,
        cutoffs: null,
      };
      this.events.set(eventId, s);
    }
    return s;
  }

  private setToken(eventId: string, s: EventState, token: string | null) {
    if (Boolean(s.token) !== Boolean(token)) {
      s.budget.reset();
      s.adaptive.reset();
      s.issue.reset();
      s.joins.reset();
      this.o.observer?.leadership?.(eventId, Boolean(token));
    }
    s.token = token;
  }

  /** One tick of one event; returns what the admit script did, or null when not leading. */
  async tickEvent(eventId: string): Promise<AdmitResult | null> {
    const { redis, clock, config } = this.o;
    const s = this.state(eventId);
    const t0 = performance.now();
    let durable = this.o.durable ? this.rooms.get(eventId) : undefined;
    const [lease, state, counters] = await Promise.all([
      acquireLease(redis, s.keys, this.instanceId, config.leaseMs),
      redis.hgetall(s.keys.queueState),
      durable ? redis.mget(s.keys.serving, s.keys.seq) : Promise.resolve([null, null]),
    ]);
    let hash = state;
    // leading again after another instance led: its checkpoints since are in MySQL, not in
    // what this instance last listed or committed (a Redis back from a snapshot may even
    // hand this instance its old lease), so the line is judged against MySQL as it is now
    const regained = !s.token && lease.code === LeaseCode.LEADER;
    this.setToken(eventId, s, lease.code === LeaseCode.LEADER ? lease.token : null);
    if (!s.token) return null;
    if (durable && (this.listedOn !== this.connections || regained)) {
      // Redis reconnected while this tick waited on it, or the lease came (back) to this
      // instance: judge it against MySQL as it is now
      const fresh = await this.o.durable!.line.room(eventId);
      if (fresh) this.rooms.set(eventId, (durable = fresh));
    }
    if (durable) {
      const restored = await this.restoreIfLost(eventId, s, durable, hash, Number(counters[0] ?? 0), Number(counters[1] ?? 0));
      if (restored === null) return null;
      if (restored) hash = await redis.hgetall(s.keys.queueState);
      else await this.catchUp(eventId, s, durable, hash);
    }
    const settings = parseSettings(hash, config);
    if (!settings) {
      // the waiting room was deleted: stop scheduling it (opening sets the status before listing it)
      if (!hash.status && !durable) await redis.srem(globalKeys.queues, eventId);
      return null;
    }
    const now = clock.now();

    if (settings.status === "prequeue" && settings.opensAt !== null && settings.opensAt <= now) {
      const opened = await openSale(redis, s.keys, s.token, now);
      if (opened.code === OpenSaleCode.OPENED) {
        settings.status = "open";
        this.o.observer?.saleOpened?.(eventId, opened.drawn);
        if (durable) await this.recordOpened(eventId, s, durable, now);
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

    // seat budgets: only while admitting, when the organiser set a margin
    let seatBudget;
    let cutoffs = "";
    if ((settings.status === "open" || settings.status === "paused") && settings.choiceMarginSeats !== null && this.o.seatTiers) {
      const layout = await this.o.seatTiers(eventId);
      if (layout) {
        const read = await readSeatBudget(redis, s.keys, now, settings.choiceMarginSeats, layout);
        if (settings.status === "open") seatBudget = read.args;
        const cut = await tierCutoffs(redis, s.keys, read, settings.choiceMarginSeats, layout);
        cutoffs = Object.keys(cut).length > 0 ? JSON.stringify(cut) : "";
      }
    }
    // where each tier runs out, for the waiting page (the edge reads it with the line's state)
    if (cutoffs !== s.cutoffs) {
      if (cutoffs) await redis.hset(s.keys.queueState, "choiceCutoffs", cutoffs);
      else await redis.hdel(s.keys.queueState, "choiceCutoffs");
      s.cutoffs = cutoffs;
    }
    const result = await admitFans(redis, s.keys, {
      seatBudget,
      token: s.token,
      now,
      budget,
      maxActive: settings.maxActive,
      claimMs: Math.round(settings.claimSeconds * 1000),
      presenceGraceMs: Math.round(settings.presenceGraceSeconds * 1000),
      sessionMs: Math.round(settings.sessionSeconds * 1000),
      maxDrops: config.maxDropsPerTick,
    });
    if (result.code === AdmitCode.NOT_LEADER) {
      this.setToken(eventId, s, null);
      return null;
    }
    s.budget.spend(result.admitted);
    if (durable) this.checkpoint(eventId, s, result, now);
    if (this.o.leaderTick && !s.hooked) {
      const run = { token: s.token, status: settings.status, claimMs: Math.round(settings.claimSeconds * 1000), now };
      s.hooked = this.o.leaderTick(eventId, run)
        .catch((error) => this.o.observer?.error?.(eventId, error))
        .finally(() => {
          s.hooked = null;
        });
    }
    this.o.observer?.tick?.(eventId, result, rate, ceiling, (performance.now() - t0) / 1000);
    return result;
  }

  /**
   * The newest counters known to have been reached: MySQL's checkpoint as last read, or one
   * this instance committed since, or saw Redis reach and has not written yet.
   */
  private durableCounters(s: EventState, durable: DurableRoom): DurableCounters | null {
    const c = durable.checkpoint;
    const fromDb = c ? { serving: c.serving, lastNumber: c.lastNumber, at: c.checkpointAt, issueRate: c.issueRate } : null;
    const p = s.pending;
    const seen = p ? { serving: p.serving, lastNumber: p.lastNumber, at: p.at, issueRate: p.issueRate } : null;
    return [fromDb, s.committed, seen].reduce<DurableCounters | null>((a, b) => (!a ? b : !b ? a : newest(a, b)), null);
  }


  /**
   * Restores the line when Redis lost it. Returns true when it restored, false when
   * nothing was lost, null when this tick is to do nothing more: this instance is no
   * longer the leader, or the room is still being opened.
   */
  private async restoreIfLost(eventId: string, s: EventState, durable: DurableRoom, hash: Record<string, string>, serving: number, seq: number): Promise<boolean | null> {
    const kind = detectLoss(hash, serving, seq, this.durableCounters(s, durable));
    if (!kind) return false;
    // a room whose open has written MySQL and not yet Redis is not lost: this tick skips it
    if (kind === "full" && beingOpened(durable, this.o.clock.now())) return null;
    // admissions still on their way to MySQL go first: the restore reads them back
    await s.writing;
    if (s.pending) await this.flush(eventId, s);
    // the room as MySQL has it now, not as last listed
    const fresh = await this.o.durable!.line.room(eventId);
    if (!fresh) return false;
    durable = fresh;
    this.rooms.set(eventId, fresh);
    const result = await restoreEvent(this.o.redis, this.o.durable!.line, this.o.durable!.hooks, this.o.config.restore, eventId, {
      token: s.token!,
      now: this.o.clock.now(),
      kind,
      durable,
      counters: this.durableCounters(s, durable),
      measuredRate: s.issue.peak(),
      leaseMs: this.o.config.leaseMs,
    });
    if (result.code !== 0) {
      this.setToken(eventId, s, null);
      return null;
    }
    s.committed = { serving: result.serving, lastNumber: result.seq, at: this.o.clock.now(), issueRate: s.committed?.issueRate ?? durable.checkpoint?.issueRate ?? 0 };
    s.lastRate = null;
    s.budget.reset();
    this.o.observer?.restored?.(eventId, kind, result);
    return true;
  }

  /**
   * Redis holds an older definition than MySQL (an admin change whose Redis write failed):
   * write MySQL's. A pre-queue the leader opened in Redis whose MySQL write failed is
   * written to MySQL again.
   */
  private async catchUp(eventId: string, s: EventState, durable: DurableRoom, hash: Record<string, string>): Promise<void> {
    const held = Number(hash.roomVersion ?? 0);
    if (held < durable.room.version) {
      const { set, remove } = roomFields(durable.room);
      await applyRoom(this.o.redis, s.keys, durable.room.version, set, remove);
    } else if (held === durable.room.version && durable.room.status === "prequeue" && hash.status === "open") {
      await this.recordOpened(eventId, s, durable, Number(hash.statusAt) || this.o.clock.now());
    }
  }

  private async recordOpened(eventId: string, s: EventState, durable: DurableRoom, at: number): Promise<void> {
    try {
      const room = await markOpened(this.o.durable!.line.database, eventId, at);
      if (!room) return;
      durable.room = room;
      await applyRoom(this.o.redis, s.keys, room.version, { roomVersion: room.version });
    } catch (error) {
      // MySQL still says prequeue; catchUp writes it again on a later tick
      this.o.observer?.error?.(eventId, error);
    }
  }

  /** Queues this tick's admissions and counters for MySQL; one write in flight per event. */
  private checkpoint(eventId: string, s: EventState, result: AdmitResult, now: number): void {
    s.issue.add(now, result.seq);
    s.joins.add(now, result.seq);
    const admissions = result.admittedTickets.map((t) => ({ ...t, deadline: result.deadline, admittedAt: now, joinedAt: s.joins.at(t.number) }));
    s.joins.prune(result.serving);
    const p = s.pending;
    s.pending = { serving: Math.max(p?.serving ?? 0, result.serving), lastNumber: Math.max(p?.lastNumber ?? 0, result.seq), at: now, issueRate: s.issue.peak(), admissions: [...(p?.admissions ?? []), ...admissions] };
    const c = s.committed;
    const changed = !c || s.pending.serving > c.serving || s.pending.lastNumber > c.lastNumber || s.pending.admissions.length > 0;
    if (s.writing || (!changed && now - s.writtenAt < CHECKPOINT_IDLE_MS && now >= s.writtenAt)) return;
    s.writing = this.flush(eventId, s)
      .catch((error) => this.o.observer?.error?.(eventId, error))
      .finally(() => {
        s.writing = null;
      });
  }

  /** Writes what is pending (checkpoint + admissions in one transaction), then copies the claim log. */
  private async flush(eventId: string, s: EventState): Promise<void> {
    const w = s.pending;
    if (!w) return;
    s.pending = null;
    const line = this.o.durable!.line;
    try {
      await line.checkpoint(eventId, w);
    } catch (error) {
      // keep them for the next write (a tick may have queued more meanwhile)
      const later = s.pending as CheckpointWrite | null;
      s.pending = later ? { ...later, admissions: [...w.admissions, ...later.admissions] } : w;
      throw error;
    }
    s.committed = { serving: Math.max(s.committed?.serving ?? 0, w.serving), lastNumber: Math.max(s.committed?.lastNumber ?? 0, w.lastNumber), at: w.at, issueRate: w.issueRate };
    s.writtenAt = w.at;
    const entries = await this.o.redis.lrange(s.keys.claimLog, 0, CLAIMS_PER_COPY - 1);
    if (entries.length === 0) return;
    await line.recordClaims(eventId, entries.map(parseClaim).filter((c) => c !== null), this.o.clock.now());
    await this.o.redis.lpop(s.keys.claimLog, entries.length);
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
