/**
 * The waiting room's definition in MySQL, where it survives Redis: settings, status and
 * a version. Every admin change writes here first, then Redis (the queue-state hash, with
 * the version it now holds as `roomVersion`). A failure between the two leaves Redis
 * behind, never ahead: the scheduling leader sees the older `roomVersion` and writes the
 * MySQL definition into Redis within a second (admission/scheduler.ts).
 */
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { isDuplicateKey } from "../db/errors.ts";
import { waitingRooms, type WaitingRoomRow } from "../db/schema/index.ts";
import { deviceBinding, identityMode, isQueueStatus, type ChallengeFailure, type ChallengeMode, type DeviceBinding, type IdentityMode, type QueueingStatusCode } from "../../../common/queue-state.ts";

export type Room = WaitingRoomRow;

/** Settings an organiser sets; undefined leaves one as it is, null (rate) returns it to the default. */
export interface RoomSettings {
  rate?: number | null;
  maxActive?: number;
  sessionSeconds?: number;
  claimSeconds?: number;
  adaptive?: boolean;
  maxWaiting?: number;
  /** percent, or null to never stop the line */
  minChance?: number | null;
  challenge?: ChallengeMode;
  challengeFailure?: ChallengeFailure;
  presenceGraceSeconds?: number;
  inviteOnly?: boolean;
  deviceBinding?: DeviceBinding;
  identity?: IdentityMode;
  standby?: boolean;
  standbyNewPerMinute?: number;
  standbyActiveSessions?: number;
  queueingStatusCode?: QueueingStatusCode;
  extensionSeconds?: number;
  extensionBudgetMinutes?: number;
  /** seats over each tier's unsold ones, or null to count fans only */
  choiceMarginSeats?: number | null;
  /** when the sale closes, or null for no closing time */
  closesAt?: Date | null;
}

/** The queue-state fields a room defines, as Redis holds them; `remove` lists fields it leaves unset. */
export function roomFields(room: Room): { set: Record<string, string | number>; remove: string[] } {
  const set: Record<string, string | number> = { status: room.status, opensAt: room.opensAt.getTime(), statusAt: room.statusAt.getTime(), roomVersion: room.version };
  const remove: string[] = [];
  const put = (field: string, value: number | string | null) => (value === null ? remove.push(field) : (set[field] = value));
  put("rate", room.rate);
  put("maxActive", room.maxActive);
  put("sessionSeconds", room.sessionSeconds);
  put("claimSeconds", room.claimSeconds);
  put("adaptive", room.adaptive === null ? null : room.adaptive ? 1 : 0);
  put("maxWaiting", room.maxWaiting);
  put("minChance", room.minChance);
  put("challenge", room.challenge);
  put("challengeFailure", room.challengeFailure);
  put("presenceGraceSeconds", room.presenceGraceSeconds);
  put("inviteOnly", room.inviteOnly ? 1 : null);
  if (room.deviceBinding && room.deviceBinding !== "off") set.deviceBinding = room.deviceBinding;
  else remove.push("deviceBinding");
  if (room.identity && room.identity !== "off") set.identity = room.identity;
  else remove.push("identity");
  put("standby", room.standby ? 1 : null);
  put("standbyNewPerMinute", room.standbyNewPerMinute);
  put("standbyActiveSessions", room.standbyActiveSessions);
  put("queueingStatusCode", room.queueingStatusCode === 200 ? null : room.queueingStatusCode);
  put("extensionSeconds", room.extensionSeconds);
  put("extensionBudgetMinutes", room.extensionBudgetMinutes);
  put("choiceMarginSeats", room.choiceMarginSeats);
  put("closesAt", room.closesAt ? room.closesAt.getTime() : null);
  return { set, remove };
}

/** A room as the queue-state hash describes it (a waiting room opened before MySQL kept them). */
export function roomFromHash(eventId: string, hash: Record<string, string>, now: number): Room | null {
  const status = hash.status;
  if (!isQueueStatus(status)) return null;
  const n = (v: string | undefined) => (v === undefined || v === "" || !Number.isFinite(Number(v)) ? null : Number(v));
  // 0 is a setting here (no extensions), not a missing one
  const whole = (v: string | undefined) => (v === undefined || v === "" || !Number.isInteger(Number(v)) || Number(v) < 0 ? null : Number(v));
  return {
    eventId,
    status,
    rate: n(hash.rate),
    maxActive: n(hash.maxActive),
    sessionSeconds: n(hash.sessionSeconds),
    claimSeconds: n(hash.claimSeconds),
    adaptive: hash.adaptive === undefined || hash.adaptive === "" ? null : hash.adaptive === "1",
    maxWaiting: n(hash.maxWaiting),
    minChance: n(hash.minChance),
    challenge: hash.challenge || null,
    challengeFailure: hash.challengeFailure || null,
    presenceGraceSeconds: n(hash.presenceGraceSeconds),
    inviteOnly: hash.inviteOnly === "1",
    deviceBinding: hash.deviceBinding ? deviceBinding(hash.deviceBinding) : null,
    identity: hash.identity ? identityMode(hash.identity) : null,
    standby: hash.standby === "1",
    standbyNewPerMinute: n(hash.standbyNewPerMinute),
    standbyActiveSessions: n(hash.standbyActiveSessions),
    queueingStatusCode: n(hash.queueingStatusCode),
    extensionSeconds: whole(hash.extensionSeconds),
    extensionBudgetMinutes: whole(hash.extensionBudgetMinutes),
    choiceMarginSeats: n(hash.choiceMarginSeats),
    closesAt: n(hash.closesAt) === null ? null : new Date(n(hash.closesAt)!),
    opensAt: new Date(n(hash.opensAt) ?? now),
    statusAt: new Date(n(hash.statusAt) ?? now),
    closeReason: status === "soldout" || status === "closed" ? status : null,
    version: 1,
    updatedAt: new Date(now),
  };
}

export async function findRoom(db: Db, eventId: string): Promise<Room | null> {
  const [row] = await db.select().from(waitingRooms).where(eq(waitingRooms.eventId, eventId));
  return row ?? null;
}

export async function listRooms(db: Db): Promise<Room[]> {
  return db.select().from(waitingRooms);
}

/** Inserts a new room; false when the event has one already. */
export async function insertRoom(db: Db, room: Room): Promise<boolean> {
  try {
    await db.insert(waitingRooms).values(room);
    return true;
  } catch (error) {
    if (isDuplicateKey(error)) return false;
    throw error;
  }
}

/** Undoes an insert that Redis refused (the event had a waiting room only Redis knew). */
export async function deleteRoom(db: Db, eventId: string, version: number): Promise<void> {
  await db.delete(waitingRooms).where(and(eq(waitingRooms.eventId, eventId), eq(waitingRooms.version, version)));
}

/**
 * Changes a room under its row lock: `change` gets the current row (or the one `adopt`
 * gives when MySQL has none) and returns the new values, or null to leave it. Returns the
 * room as it now is, with its version raised when it changed; null when there is no room.
 */
export async function changeRoom(
  db: Db,
  eventId: string,
  now: number,
  change: (room: Room) => Partial<Room> | null,
  adopt?: () => Promise<Room | null>,
): Promise<{ room: Room; changed: boolean } | null> {
  const adopted = adopt ? await findRoom(db, eventId).then(async (r) => (r ? null : adopt())) : null;
  if (adopted) await insertRoom(db, adopted);
  return db.transaction(async (tx) => {
    const [room] = await tx.select().from(waitingRooms).where(eq(waitingRooms.eventId, eventId)).for("update");
    if (!room) return null;
    const values = change(room);
    if (!values) return { room, changed: false };
    const next: Room = { ...room, ...values, version: room.version + 1, updatedAt: new Date(now) };
    await tx
      .update(waitingRooms)
      .set({ ...values, version: sql`${waitingRooms.version} + 1`, updatedAt: next.updatedAt })
      .where(eq(waitingRooms.eventId, eventId));
    return { room: next, changed: true };
  });
}

/** The leader opened a pre-queue in Redis: MySQL follows (only from prequeue). Returns the room as it now is. */
export async function markOpened(db: Db, eventId: string, now: number): Promise<Room | null> {
  const result = await changeRoom(db, eventId, now, (room) => (room.status === "prequeue" ? { status: "open", statusAt: new Date(now) } : null));
  return result?.room ?? null;
}
