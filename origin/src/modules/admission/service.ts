/**
 * Admin controls of an event's waiting room (open, settings, pause, resume, close, live
 * state), the database capacity measurement, and a fan leaving the purchase area.
 * Everything lives in the event's queue-state hash, which every origin instance and the
 * edge read: a change takes effect on the leader's next tick, on whichever instance.
 */
import type { Static } from "elysia";
import { eventKeys, globalKeys } from "../../../../common/keys.ts";
import { StatusCode } from "../../../../lua/admission.ts";
import type { Deps } from "../../deps.ts";
import { AppError, NotFoundError, SessionInactiveError } from "../../errors.ts";
import type { ActiveSession } from "../../plugins/active-token.ts";
import { isLive } from "../events/service.ts";
import { releaseSessionHolds } from "../holds/session-holds.ts";
import { measureCapacity, type CapacityResult } from "../../scheduler/capacity.ts";
import { admissionRuntime } from "../../scheduler/runtime.ts";
import { setQueueStatus } from "../../scheduler/scripts.ts";
import { ceilingRate, parseSettings, type QueueStatus } from "../../scheduler/settings.ts";
import type { capacityMeasureBody, queueOpenBody, queueSettingsBody, queueView } from "./model.ts";

type QueueView = Static<typeof queueView>;

class QueueNotFoundError extends NotFoundError {
  constructor(eventId: string) {
    super("QUEUE_NOT_FOUND", `Event ${JSON.stringify(eventId)} has no waiting room; open one with POST /admin/events/${eventId}/queue.`);
  }
}

class QueueExistsError extends AppError {
  constructor(eventId: string) {
    super(409, "QUEUE_EXISTS", `Event ${JSON.stringify(eventId)} already has a waiting room; change it with PATCH.`);
  }
}

class QueueStatusError extends AppError {
  constructor(current: string, wanted: string) {
    super(409, "QUEUE_STATUS_CONFLICT", `The waiting room is ${current}; it cannot become ${wanted} from there.`);
  }
}

class MeasurementRunningError extends AppError {
  constructor() {
    super(409, "MEASUREMENT_RUNNING", "A capacity measurement is already running on this instance.");
  }
}

const int = (v: string | number | null | undefined) => Number(v ?? 0) || 0;

export async function readQueue(deps: Deps, eventId: string): Promise<QueueView> {
  const { config, capacity } = admissionRuntime(deps);
  const k = eventKeys(eventId);
  const now = deps.clock.now();
  const [hash, waiting, unclaimed, active, serving, seq, leader] = await Promise.all([
    deps.redis.hgetall(k.queueState),
    deps.redis.zcard(k.queue),
    deps.redis.zcard(k.admitted),
    deps.redis.zcount(k.active, `(${now}`, "+inf"),
    deps.redis.get(k.serving),
    deps.redis.get(k.seq),
    deps.redis.get(k.schedulerLease),
  ]);
  const settings = parseSettings(hash, config);
  if (!settings) throw new QueueNotFoundError(eventId);
  const ceiling = ceilingRate(settings, (await capacity.get())?.tps ?? null, config);
  return {
    eventId,
    status: settings.status,
    opensAt: settings.opensAt ? new Date(settings.opensAt).toISOString() : null,
    settings: {
      rate: settings.rate,
      maxActive: settings.maxActive,
      sessionSeconds: settings.sessionSeconds,
      claimSeconds: settings.claimSeconds,
      adaptive: settings.adaptive,
      maxWaiting: settings.maxWaiting,
    },
    rates: {
      ceiling: ceiling.rate,
      ceilingSource: ceiling.source,
      target: hash.targetRate ? Number(hash.targetRate) : null,
      measured: Number(hash.admitRate ?? 0),
    },
    waiting,
    admittedUnclaimed: unclaimed,
    activeSessions: active,
    serving: int(serving),
    lastNumber: int(seq),
    totals: { admitted: int(hash.admittedTotal), abandoned: int(hash.abandonedTotal), claimExpired: int(hash.claimExpiredTotal) },
    leader,
  };
}

function settingFields(body: Partial<Static<typeof queueSettingsBody>>): { set: Record<string, string | number>; remove: string[] } {
  const set: Record<string, string | number> = {};
  const remove: string[] = [];
  if (body.rate === null) remove.push("rate");
  else if (body.rate !== undefined) set.rate = body.rate;
  if (body.maxActive !== undefined) set.maxActive = body.maxActive;
  if (body.sessionSeconds !== undefined) set.sessionSeconds = body.sessionSeconds;
  if (body.claimSeconds !== undefined) set.claimSeconds = body.claimSeconds;
  if (body.adaptive !== undefined) set.adaptive = body.adaptive ? 1 : 0;
  if (body.maxWaiting !== undefined) set.maxWaiting = body.maxWaiting;
  return { set, remove };
}

/** Opens an event's waiting room: a pre-queue until `opensAt` (default: the event's saleOpensAt), or open at once. */
export async function openQueue(deps: Deps, eventId: string, body: Static<typeof queueOpenBody> = {}): Promise<QueueView> {
  const entry = await deps.catalog.get(eventId);
  const now = deps.clock.now();
  const opensAt = body.opensAt ? Date.parse(body.opensAt) : entry.event.saleOpensAt.getTime();
  const { set } = settingFields(body);
  const created = await createWaitingRoom(deps.redis, eventId, { opensAt, now, settings: { maxActive: entry.event.maxActive, ...set }, about: entry.event });
  if (!created) throw new QueueExistsError(eventId);
  return readQueue(deps, eventId);
}

/**
 * Writes a new waiting room and hands it to the scheduler: a pre-queue until `opensAt`,
 * open after. The event's name, venue and start go with it, for the waiting room page.
 * Returns false, changing nothing, when the event already has one.
 */
export async function createWaitingRoom(
  redis: Deps["redis"],
  eventId: string,
  { opensAt, now, settings, about }: { opensAt: number; now: number; settings: Record<string, number>; about: { name: string; venue: string; startsAt: Date } },
): Promise<boolean> {
  const k = eventKeys(eventId);
  const status: QueueStatus = opensAt > now ? "prequeue" : "open";
  // status first and only if absent: of two concurrent opens, one wins
  if ((await redis.hsetnx(k.queueState, "status", status)) === 0) return false;
  await redis
    .multi()
    .hset(k.queueState, { ...settings, opensAt, statusAt: now, eventName: about.name, venue: about.venue, startsAt: about.startsAt.getTime() })
    .sadd(globalKeys.queues, eventId)
    .exec();
  return true;
}

export async function updateSettings(deps: Deps, eventId: string, body: Static<typeof queueSettingsBody>): Promise<QueueView> {
  const k = eventKeys(eventId);
  if (!(await deps.redis.hexists(k.queueState, "status"))) throw new QueueNotFoundError(eventId);
  const { set, remove } = settingFields(body);
  const tx = deps.redis.multi();
  if (Object.keys(set).length > 0) tx.hset(k.queueState, set);
  if (remove.length > 0) tx.hdel(k.queueState, ...remove);
  await tx.exec();
  return readQueue(deps, eventId);
}

const MOVES = {
  pause: { to: "paused", from: ["open"] },
  resume: { to: "open", from: ["paused"] },
  soldout: { to: "soldout", from: ["prequeue", "open", "paused", "closed"] },
  closed: { to: "closed", from: ["prequeue", "open", "paused", "soldout"] },
} as const;

export async function moveQueue(deps: Deps, eventId: string, move: keyof typeof MOVES): Promise<QueueView> {
  const { to, from } = MOVES[move];
  const result = await setQueueStatus(deps.redis, eventKeys(eventId), to, deps.clock.now(), from);
  if (result.code === StatusCode.NO_QUEUE) throw new QueueNotFoundError(eventId);
  if (result.code === StatusCode.NOT_ALLOWED) throw new QueueStatusError(result.status, to);
  return readQueue(deps, eventId);
}

const withRate = (deps: Deps, result: CapacityResult) => {
  const { config } = admissionRuntime(deps);
  return { ...result, admissionRate: ceilingRate({ rate: null }, result.tps, config).rate };
};

export async function readCapacity(deps: Deps) {
  const result = await admissionRuntime(deps).capacity.get();
  if (!result) throw new NotFoundError("CAPACITY_NOT_MEASURED", "No capacity was measured in this environment yet; POST /admin/capacity/measure or run `bun run bench capacity`.");
  return withRate(deps, result);
}

let measuring = false;

/** Measures the database's purchase capacity on scratch events and stores it for every instance. */
export async function measureAndStore(deps: Deps, body: Static<typeof capacityMeasureBody>) {
  if (measuring) throw new MeasurementRunningError();
  measuring = true;
  try {
    const { config, capacity } = admissionRuntime(deps);
    const max = body.maxConcurrency ?? 64;
    const levels = [1, 2, 4, 8, 16, 32, 64, 128, 256].filter((c) => c <= max);
    const result = await measureCapacity(deps.database, { environment: config.environment, levels, levelMs: body.levelMs ?? 2000, p95BoundMs: body.p95BoundMs ?? 100 });
    await capacity.save(result);
    return withRate(deps, result);
  } finally {
    measuring = false;
  }
}

/**
 * A fan leaves the purchase area: their holds are released (except one being bought right
 * now, which its purchase settles) and the session ends, so the slot goes to the next fan.
 */
export async function leave(deps: Deps, session: ActiveSession, eventId: string) {
  const k = eventKeys(eventId);
  // an ended session (left, bought, run out) has nothing left to leave: refused like every fan route
  if (!isLive(await deps.redis.zscore(k.active, session.sid), deps.clock.now())) throw new SessionInactiveError();
  const { holds } = await releaseSessionHolds(deps.redis, k, session.sid);
  await deps.redis.zrem(k.active, session.sid);
  return { eventId, left: true as const, releasedHolds: holds };
}
