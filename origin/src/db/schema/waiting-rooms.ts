import { DEVICE_BINDINGS, IDENTITY_MODES } from "../../../../common/queue-state.ts";
import { bigint, boolean, datetime, double, index, int, mysqlTable, primaryKey, varchar } from "drizzle-orm/mysql-core";

/**
 * What a waiting room is, per event, so that Redis can lose it: the organiser's settings
 * and status (written by every admin change before Redis), the scheduling leader's
 * checkpoint, the admissions it made and the sessions that ended. The scheduler rebuilds
 * an event's line in Redis from these rows (origin/src/admission/restore.ts).
 *
 * No foreign key to `events`: a waiting room may run for an id with no event row (tests,
 * load drivers), as it does in Redis.
 */
export const QUEUE_ROOM_STATUSES = ["prequeue", "open", "paused", "soldout", "closed"] as const;

export const waitingRooms = mysqlTable("waiting_rooms", {
  eventId: varchar("event_id", { length: 64 }).primaryKey(),
  status: varchar("status", { length: 16, enum: QUEUE_ROOM_STATUSES }).notNull(),
  /** fans per second set by hand; null = from the measured capacity */
  rate: double("rate"),
  maxActive: int("max_active"),
  sessionSeconds: int("session_seconds"),
  claimSeconds: int("claim_seconds"),
  /** null = the origin's default (ADMISSION_ADAPTIVE) */
  adaptive: boolean("adaptive"),
  maxWaiting: int("max_waiting"),
  /** percent: the line takes no new place where a fan's chance of tickets would be below it; null = never stops */
  minChance: int("min_chance"),
  /** what a new place needs first: off | pow (common/queue-state.ts CHALLENGE_MODES); null = off */
  challenge: varchar("challenge", { length: 16 }),
  /** what a join without a good solution gets: refuse | infinite; null = refuse */
  challengeFailure: varchar("challenge_failure", { length: 16 }),
  /** how long a waiting fan may be away and keep the place; null = the default (PRESENCE_GRACE_SECONDS) */
  presenceGraceSeconds: int("presence_grace_seconds"),
  /** only fans with an access code get a new place (access_codes) */
  inviteOnly: boolean("invite_only").notNull().default(false),
  /** off | optional | required (common/queue-state.ts DEVICE_BINDINGS); null = off */
  deviceBinding: varchar("device_binding", { length: 8, enum: DEVICE_BINDINGS }),
  /** off | email | passkey | either (common/queue-state.ts IDENTITY_MODES); null = off */
  identity: varchar("identity", { length: 8, enum: IDENTITY_MODES }),
  /** queue only when needed: new fans pass straight through while under both thresholds */
  standby: boolean("standby").notNull().default(false),
  /** standby's threshold of new places per minute; null = none set (standby needs both) */
  standbyNewPerMinute: int("standby_new_per_minute"),
  /** standby's threshold of live sessions plus unclaimed admissions; null = none set */
  standbyActiveSessions: int("standby_active_sessions"),
  /** the waiting page's HTTP status for a queued fan: 200 | 202 | 429; null = 200 */
  queueingStatusCode: int("queueing_status_code"),
  /** seconds one extension adds to a claim window or a hold (WCAG 2.2.1), 0 = none; null = the default (EXTENSION_DEFAULTS) */
  extensionSeconds: int("extension_seconds"),
  /** extra minutes the event grants over all fans' extensions, 0 = none; null = the default */
  extensionBudgetMinutes: int("extension_budget_minutes"),
  /** seat budgets: seats admitted fans may declare over each tier's unsold ones; null = admissions count fans only (migration 0019) */
  choiceMarginSeats: int("choice_margin_seats"),
  /** when the sale closes (the leader closes it then); a hold that outlasts it cannot come back in time, so it counts as gone for sold out; null = no closing time (migration 0022) */
  closesAt: datetime("closes_at", { mode: "date", fsp: 3 }),
  opensAt: datetime("opens_at", { mode: "date", fsp: 3 }).notNull(),
  statusAt: datetime("status_at", { mode: "date", fsp: 3 }).notNull(),
  /** soldout | closed once the sale is over */
  closeReason: varchar("close_reason", { length: 16 }),
  /** +1 on every change; Redis keeps the version it holds (`queue:state.roomVersion`), so the leader sees when Redis is behind */
  version: int("version").notNull().default(1),
  updatedAt: datetime("updated_at", { mode: "date", fsp: 3 }).notNull(),
});

/** The scheduling leader's checkpoint: never decreases (a stale leader's write is a no-op). */
export const queueCheckpoints = mysqlTable("queue_checkpoints", {
  eventId: varchar("event_id", { length: 64 }).primaryKey(),
  /** serving pointer */
  serving: bigint("serving", { mode: "number", unsigned: true }).notNull().default(0),
  /** the last queue number issued (Redis `seq`) */
  lastNumber: bigint("last_number", { mode: "number", unsigned: true }).notNull().default(0),
  checkpointAt: datetime("checkpoint_at", { mode: "date", fsp: 3 }).notNull(),
  /** peak queue numbers issued per second over the last minute, as the leader measured it */
  issueRate: double("issue_rate").notNull().default(0),
  restores: int("restores").notNull().default(0),
  restoredAt: datetime("restored_at", { mode: "date", fsp: 3 }),
  restoreKind: varchar("restore_kind", { length: 8 }),
});

/** Each admission the leader made (same transaction as its checkpoint), and its claim once the claim log is copied. */
export const admissions = mysqlTable(
  "admissions",
  {
    eventId: varchar("event_id", { length: 64 }).notNull(),
    ticketId: varchar("ticket_id", { length: 64 }).notNull(),
    number: bigint("number", { mode: "number", unsigned: true }).notNull(),
    claimDeadline: datetime("claim_deadline", { mode: "date", fsp: 3 }).notNull(),
    claimedAt: datetime("claimed_at", { mode: "date", fsp: 3 }),
    sessionId: varchar("session_id", { length: 64 }),
    sessionExpiresAt: datetime("session_expires_at", { mode: "date", fsp: 3 }),
    /** the leader's tick that admitted the ticket (the first, if a restore admitted it again) */
    admittedAt: datetime("admitted_at", { mode: "date", fsp: 3 }),
    /** when its number was issued: the first tick the leader saw the counter reach it (null: issued before this leader watched the counter) */
    joinedAt: datetime("joined_at", { mode: "date", fsp: 3 }),
  },
  (t) => [
    primaryKey({ name: "admissions_pk", columns: [t.eventId, t.ticketId] }),
    index("admissions_event_deadline").on(t.eventId, t.claimDeadline),
    index("admissions_event_number").on(t.eventId, t.number),
  ],
);

export const ENDED_SESSION_REASONS = ["left", "revoked"] as const;

/** Sessions that ended before their time (a bought one is `orders.session_id`): never brought back after a loss. */
export const endedSessions = mysqlTable(
  "ended_sessions",
  {
    eventId: varchar("event_id", { length: 64 }).notNull(),
    sessionId: varchar("session_id", { length: 64 }).notNull(),
    reason: varchar("reason", { length: 16, enum: ENDED_SESSION_REASONS }).notNull(),
    endedAt: datetime("ended_at", { mode: "date", fsp: 3 }).notNull(),
  },
  (t) => [primaryKey({ name: "ended_sessions_pk", columns: [t.eventId, t.sessionId] })],
);

export type WaitingRoomRow = typeof waitingRooms.$inferSelect;
export type CheckpointRow = typeof queueCheckpoints.$inferSelect;
