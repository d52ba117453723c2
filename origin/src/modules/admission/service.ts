/**
 * Admin controls of an event's waiting room (open, settings, pause, resume, close, live
 * state), the database capacity measurement, and a fan leaving the purchase area.
 * Every change is written to MySQL first (admission/rooms.ts: the definition that survives Redis),
 * then to the event's queue-state hash, which every origin instance and the edge read: a
 * change takes effect on the leader's next tick, on whichever instance. A failure between
 * the two leaves Redis one version behind MySQL, and the leader writes MySQL's version
 * into Redis on its next ticks (scheduler.ts, catchUp): the two never stay apart.
 */
import type { Static } from "elysia";
import { eventKeys, globalKeys } from "../../../../common/keys.ts";
import { StatusCode } from "../../../../lua/codes.ts";
import { publishRoutes } from "../rooms/service.ts";
import type { Deps } from "../../deps.ts";
import { AppError, MeasurementRunningError, StandbyThresholdsRequiredError, QueueExistsError, QueueNotFoundError, QueueStatusError, RestoringError, SessionInactiveError } from "../../errors.ts";
import type { ActiveSession } from "../../plugins/active-token.ts";
import { isLive } from "../events/service.ts";
import { releaseSessionHolds } from "../holds/session-holds.ts";
import type { CapacityResult } from "../../admission/capacity.ts";
import { measureCapacity } from "./capacity-measurement.ts";
import { applyRoom } from "../../admission/scripts.ts";
import { recordEndedSession } from "../../admission/durable.ts";
import type { QueueStatus } from "../../../../common/queue-state.ts";
import { ceilingRate, parseSettings } from "../../admission/settings.ts";
import type { Db } from "../../db/client.ts";
import { changeRoom, deleteRoom, findRoom, insertRoom, roomFields, roomFromHash, type Room, type RoomSettings } from "../../admission/rooms.ts";
import type { capacityMeasureBody, queueOpenBody, queueSettingsBody, queueView } from "./model.ts";

type QueueView = Static<typeof queueView>;

const int = (v: string | number | null | undefined) => Number(v ?? 0) || 0;

export async function readQueue(deps: Deps, eventId: string): Promise<QueueView> {
  const { config, capacity } = deps.admission;
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
  if (!settings) {
    // MySQL has the room while Redis lost it: the scheduler is rebuilding it
    if (await findRoom(deps.database.db, eventId)) throw new RestoringError();
    throw new QueueNotFoundError(eventId);
  }
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
      minChance: settings.minChance,
      challenge: settings.challenge,
      challengeFailure: settings.challengeFailure,
      presenceGraceSeconds: settings.presenceGraceSeconds,
      inviteOnly: settings.inviteOnly,
      deviceBinding: settings.deviceBinding,
      identity: settings.identity,
      standby: settings.standby,
      standbyNewPerMinute: settings.standbyNewPerMinute,
      standbyActiveSessions: settings.standbyActiveSessions,
      queueingStatusCode: settings.queueingStatusCode,
      choiceMarginSeats: settings.choiceMarginSeats,
      closesAt: settings.closesAt === null ? null : new Date(settings.closesAt).toISOString(),
      extensionSeconds: settings.extensionSeconds,
      extensionBudgetMinutes: settings.extensionBudgetMinutes,
    },
    extensions: {
      granted: settings.extensionsGranted,
      usedSeconds: settings.extensionUsedSeconds,
      leftSeconds: Math.max(0, settings.extensionBudgetMinutes * 60 - settings.extensionUsedSeconds),
    },
    standbyMode: settings.standby ? settings.standbyMode : null,
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
    totals: { admitted: int(hash.admittedTotal), abandoned: int(hash.abandonedTotal), claimExpired: int(hash.claimExpiredTotal), passed: int(hash.passedTotal) },
    restore: restoreOf(hash),
    leader,
  };
}

/** The last restore of the line, as its queue state records it (null: never restored). */
export function restoreOf(hash: Record<string, string>): QueueView["restore"] {
  if (!hash.restoredAt) return null;
  const kind = hash.restoreKind === "partial" ? "partial" : "full";
  return { restoredAt: new Date(Number(hash.restoredAt)).toISOString(), kind, restores: int(hash.restores), lostNumbers: int(hash.lostTotal), replaced: int(hash.replacedTotal) };
}

/** Opens an event's waiting room: a pre-queue until `opensAt` (default: the event's saleOpensAt), or open at once. */
export async function openQueue(deps: Deps, eventId: string, body: Static<typeof queueOpenBody> = {}): Promise<QueueView> {
  const entry = await deps.catalog.get(eventId);
  const now = deps.clock.now();
  const opensAt = body.opensAt ? Date.parse(body.opensAt) : entry.event.saleOpensAt.getTime();
  const { opensAt: _, closesAt, ...settings } = body;
  const room = { maxActive: entry.event.maxActive, ...settings, closesAt: closesAt ? new Date(closesAt) : null };
  const created = await openWaitingRoom(deps.redis, deps.database.db, eventId, { opensAt, now, settings: room, about: entry.event });
  if (!created) throw new QueueExistsError(eventId);
  // an event with a room of its own leaves any room that covered it
  await publishRoutes(deps);
  return readQueue(deps, eventId);
}

/**
 * Writes a new waiting room, MySQL first, and hands it to the scheduler: a pre-queue
 * until `opensAt`, open after. The event's name, venue and start go with it, for the
 * waiting room page. Returns false, changing nothing, when the event already has one.
 * Should Redis fail after MySQL, the scheduler finds the room in MySQL and builds it in
 * Redis (a restore), so the open is never half done.
 */
export async function openWaitingRoom(
  redis: Deps["redis"],
  db: Db,
  eventId: string,
  { opensAt, now, settings, about }: { opensAt: number; now: number; settings: RoomSettings; about: { name: string; venue: string; startsAt: Date } },
): Promise<boolean> {
  const k = eventKeys(eventId);
  const status: QueueStatus = opensAt > now ? "prequeue" : "open";
  checkStandby({ standby: settings.standby ?? false, standbyNewPerMinute: settings.standbyNewPerMinute ?? null, standbyActiveSessions: settings.standbyActiveSessions ?? null });
  const room: Room = {
    eventId,
    status,
    rate: settings.rate ?? null,
    maxActive: settings.maxActive ?? null,
    sessionSeconds: settings.sessionSeconds ?? null,
    claimSeconds: settings.claimSeconds ?? null,
    adaptive: settings.adaptive ?? null,
    maxWaiting: settings.maxWaiting ?? null,
    minChance: settings.minChance ?? null,
    challenge: settings.challenge ?? null,
    challengeFailure: settings.challengeFailure ?? null,
    presenceGraceSeconds: settings.presenceGraceSeconds ?? null,
    inviteOnly: settings.inviteOnly ?? false,
    deviceBinding: settings.deviceBinding ?? null,
    identity: settings.identity ?? null,
    standby: settings.standby ?? false,
    standbyNewPerMinute: settings.standbyNewPerMinute ?? null,
    standbyActiveSessions: settings.standbyActiveSessions ?? null,
    queueingStatusCode: settings.queueingStatusCode ?? null,
    extensionSeconds: settings.extensionSeconds ?? null,
    extensionBudgetMinutes: settings.extensionBudgetMinutes ?? null,
    choiceMarginSeats: settings.choiceMarginSeats ?? null,
    closesAt: settings.closesAt ? new Date(settings.closesAt) : null,
    opensAt: new Date(opensAt),
    statusAt: new Date(now),
    closeReason: null,
    version: 1,
    updatedAt: new Date(now),
  };
  if (!(await insertRoom(db, room))) return false;
  // status first and only if absent: of two concurrent opens, one wins
  if ((await redis.hsetnx(k.queueState, "status", status)) === 0) {
    // Redis had a waiting room MySQL did not know (opened before rooms were kept in MySQL)
    await deleteRoom(db, eventId, 1);
    return false;
  }
  await redis
    .multi()
    .hset(k.queueState, { ...roomFields(room).set, eventName: about.name, venue: about.venue, startsAt: about.startsAt.getTime() })
    .sadd(globalKeys.queues, eventId)
    .exec();
  return true;
}

/**
 * Changes a room in MySQL under its row lock, then Redis. A room only Redis knew (opened
 * before MySQL kept rooms) is first copied into MySQL. Throws QUEUE_NOT_FOUND without one.
 */
async function changeAndApply(deps: Deps, eventId: string, change: (room: Room) => Partial<Room> | null): Promise<Room> {
  const k = eventKeys(eventId);
  const now = deps.clock.now();
  const result = await changeRoom(deps.database.db, eventId, now, change, async () => roomFromHash(eventId, await deps.redis.hgetall(k.queueState), now));
  if (!result) throw new QueueNotFoundError(eventId);
  if (result.changed) {
    const { set, remove } = roomFields(result.room);
    await applyRoom(deps.redis, k, result.room.version, set, remove);
  }
  return result.room;
}

/** Standby lets fans through only under both thresholds: it is not turned on without them. */
function checkStandby(room: Pick<Room, "standby" | "standbyNewPerMinute" | "standbyActiveSessions">): void {
  if (room.standby && (room.standbyNewPerMinute === null || room.standbyActiveSessions === null)) throw new StandbyThresholdsRequiredError();
}

export async function updateSettings(deps: Deps, eventId: string, body: Static<typeof queueSettingsBody>): Promise<QueueView> {
  await changeAndApply(deps, eventId, (room) => {
    const values: Partial<Room> = {};
    if (body.rate !== undefined) values.rate = body.rate;
    if (body.maxActive !== undefined) values.maxActive = body.maxActive;
    if (body.sessionSeconds !== undefined) values.sessionSeconds = body.sessionSeconds;
    if (body.claimSeconds !== undefined) values.claimSeconds = body.claimSeconds;
    if (body.adaptive !== undefined) values.adaptive = body.adaptive;
    if (body.maxWaiting !== undefined) values.maxWaiting = body.maxWaiting;
    if (body.minChance !== undefined) values.minChance = body.minChance;
    if (body.challenge !== undefined) values.challenge = body.challenge;
    if (body.challengeFailure !== undefined) values.challengeFailure = body.challengeFailure;
    if (body.presenceGraceSeconds !== undefined) values.presenceGraceSeconds = body.presenceGraceSeconds;
    if (body.inviteOnly !== undefined) values.inviteOnly = body.inviteOnly;
    if (body.deviceBinding !== undefined) values.deviceBinding = body.deviceBinding;
    if (body.identity !== undefined) values.identity = body.identity;
    if (body.standby !== undefined) values.standby = body.standby;
    if (body.standbyNewPerMinute !== undefined) values.standbyNewPerMinute = body.standbyNewPerMinute;
    if (body.standbyActiveSessions !== undefined) values.standbyActiveSessions = body.standbyActiveSessions;
    if (body.queueingStatusCode !== undefined) values.queueingStatusCode = body.queueingStatusCode;
    if (body.extensionSeconds !== undefined) values.extensionSeconds = body.extensionSeconds;
    if (body.extensionBudgetMinutes !== undefined) values.extensionBudgetMinutes = body.extensionBudgetMinutes;
    if (body.choiceMarginSeats !== undefined) values.choiceMarginSeats = body.choiceMarginSeats;
    if (body.closesAt !== undefined) values.closesAt = body.closesAt === null ? null : new Date(body.closesAt);
    checkStandby({ ...room, ...values });
    return values;
  });
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
  const now = deps.clock.now();
  await changeAndApply(deps, eventId, (room) => {
    if (room.status === to) return null;
    if (!(from as readonly string[]).includes(room.status)) throw new QueueStatusError(room.status, to);
    return { status: to, statusAt: new Date(now), closeReason: to === "soldout" || to === "closed" ? to : null };
  });
  return readQueue(deps, eventId);
}

/**
 * Moves the sale to sold out once every seat is sold: called after each sale is recorded and
 * on the leader's samples. A sale without a waiting room, or one already over, stays as it is.
 */
export async function soldOutWhenAllSold(deps: Deps, eventId: string, totalSeats: number): Promise<boolean> {
  const sold = await deps.redis.scard(eventKeys(eventId).sold);
  if (sold < totalSeats) return false;
  try {
    await moveQueue(deps, eventId, "soldout");
    return true;
  } catch (error) {
    if (error instanceof QueueNotFoundError || error instanceof QueueStatusError) return false;
    throw error;
  }
}

const withRate = (deps: Deps, result: CapacityResult) => {
  const { config } = deps.admission;
  return { ...result, admissionRate: ceilingRate({ rate: null }, result.tps, config).rate };
};

export async function readCapacity(deps: Deps) {
  const result = await deps.admission.capacity.get();
  if (!result) throw new AppError("CAPACITY_NOT_MEASURED", "No capacity was measured in this environment yet; POST /admin/capacity/measure or run `bun run bench capacity`.");
  return withRate(deps, result);
}

let measuring = false;

/** Measures the database's purchase capacity on scratch events and stores it for every instance. */
export async function measureAndStore(deps: Deps, body: Static<typeof capacityMeasureBody>) {
  if (measuring) throw new MeasurementRunningError();
  measuring = true;
  try {
    const { config, capacity } = deps.admission;
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
  await deps.admission.sessions.whileLive(session, async () => {
    if (!isLive(await deps.redis.zscore(k.active, session.sid), deps.clock.now())) throw new SessionInactiveError();
  });
  // MySQL first: once it is recorded, no restore brings the session back
  await recordEndedSession(deps.database.db, eventId, session.sid, "left", deps.clock.now());
  const { holds } = await releaseSessionHolds(deps.redis, k, session.sid);
  await deps.redis.zrem(k.active, session.sid);
  if (session.room) {
    // left from an event the room covers: the room's session ends too, so its slot goes to the next fan
    const room = eventKeys(session.room);
    await recordEndedSession(deps.database.db, session.room, session.sid, "left", deps.clock.now());
    await releaseSessionHolds(deps.redis, room, session.sid);
    await deps.redis.zrem(room.active, session.sid);
  }
  return { eventId, left: true as const, releasedHolds: holds };
}
