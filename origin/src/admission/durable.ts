/**
 * What the scheduling leader keeps in MySQL so that a line survives Redis: the checkpoint
 * (serving pointer, last number issued, the peak rate numbers are issued at) with the
 * admissions of the same ticks in one transaction, the claims copied from the claim log,
 * and what a restore needs back. Counters only grow: a stale leader's late write never
 * moves a checkpoint back.
 */
import type mysql from "mysql2/promise";
import type { Db } from "../db/client.ts";
import { findRoom, listRooms, type Room } from "./rooms.ts";

export interface Checkpoint {
  serving: number;
  lastNumber: number;
  /** ms */
  checkpointAt: number;
  /** peak numbers issued per second over the last minute */
  issueRate: number;
  restores: number;
}

export interface DurableRoom {
  room: Room;
  checkpoint: Checkpoint | null;
}

export interface CheckpointWrite {
  serving: number;
  lastNumber: number;
  at: number;
  issueRate: number;
  /** `admittedAt`: the admitting tick; `joinedAt`: when the number was handed out (join-times.ts), null when unknown */
  admissions: Array<{ ticketId: string; number: number; deadline: number; admittedAt: number; joinedAt: number | null }>;
}

/** A claim as the edge logs it: `<ticketId> <sessionId> <session expiry ms>`. */
export interface Claim {
  ticketId: string;
  sessionId: string;
  expiresAt: number;
}

export function parseClaim(entry: string): Claim | null {
  const [ticketId, sessionId, expiry] = entry.split(" ");
  const expiresAt = Number(expiry);
  if (!ticketId || !sessionId || !Number.isFinite(expiresAt)) return null;
  return { ticketId, sessionId, expiresAt };
}

const utc = (ms: number) => new Date(ms).toISOString().slice(0, 23).replace("T", " ");
type Rows<T> = [T[], unknown];

export class DurableLine {
  private readonly pool: mysql.Pool;

  constructor(readonly database: Db) {
    this.pool = database.$client;
  }

  /** Every waiting room MySQL knows, with its checkpoint. */
  async rooms(): Promise<Map<string, DurableRoom>> {
    const [rooms, [checkpoints]] = await Promise.all([
      listRooms(this.database),
      this.pool.query("SELECT event_id AS eventId, serving, last_number AS lastNumber, checkpoint_at AS checkpointAt, issue_rate AS issueRate, restores FROM queue_checkpoints") as Promise<
        Rows<{ eventId: string; serving: number | string; lastNumber: number | string; checkpointAt: Date; issueRate: number; restores: number }>
      >,
    ]);
    const byEvent = new Map(checkpoints.map((c) => [c.eventId, c]));
    const out = new Map<string, DurableRoom>();
    for (const room of rooms) {
      const c = byEvent.get(room.eventId);
      out.set(room.eventId, {
        room,
        checkpoint: c ? { serving: Number(c.serving), lastNumber: Number(c.lastNumber), checkpointAt: c.checkpointAt.getTime(), issueRate: Number(c.issueRate), restores: Number(c.restores) } : null,
      });
    }
    return out;
  }

  /** One event's waiting room and checkpoint, read now (a restore never works from a stale copy). */
  async room(eventId: string): Promise<DurableRoom | null> {
    const room = await findRoom(this.database, eventId);
    if (!room) return null;
    const [[c]] = (await this.pool.query(
      "SELECT serving, last_number AS lastNumber, checkpoint_at AS checkpointAt, issue_rate AS issueRate, restores FROM queue_checkpoints WHERE event_id = ?",
      [eventId],
    )) as Rows<{ serving: number | string; lastNumber: number | string; checkpointAt: Date; issueRate: number; restores: number }>;
    return { room, checkpoint: c ? { serving: Number(c.serving), lastNumber: Number(c.lastNumber), checkpointAt: c.checkpointAt.getTime(), issueRate: Number(c.issueRate), restores: Number(c.restores) } : null };
  }

  /** The checkpoint and the admissions it covers, in one transaction (one round trip). */
  async checkpoint(eventId: string, w: CheckpointWrite): Promise<void> {
    const values: unknown[] = [eventId, w.serving, w.lastNumber, utc(w.at), w.issueRate];
    let sql =
      "START TRANSACTION;" +
      "INSERT INTO queue_checkpoints (event_id, serving, last_number, checkpoint_at, issue_rate) VALUES (?, ?, ?, ?, ?) " +
      "ON DUPLICATE KEY UPDATE serving = GREATEST(serving, VALUES(serving)), last_number = GREATEST(last_number, VALUES(last_number)), " +
      "checkpoint_at = GREATEST(checkpoint_at, VALUES(checkpoint_at)), issue_rate = VALUES(issue_rate);";
    if (w.admissions.length > 0) {
      sql +=
        `INSERT INTO admissions (event_id, ticket_id, number, claim_deadline, admitted_at, joined_at) VALUES ${w.admissions.map(() => "(?, ?, ?, ?, ?, ?)").join(", ")} ` +
        "ON DUPLICATE KEY UPDATE number = VALUES(number), claim_deadline = VALUES(claim_deadline), " +
        "admitted_at = COALESCE(admitted_at, VALUES(admitted_at)), joined_at = COALESCE(joined_at, VALUES(joined_at));";
      for (const a of w.admissions) values.push(eventId, a.ticketId, a.number, utc(a.deadline), utc(a.admittedAt), a.joinedAt === null ? null : utc(a.joinedAt));
    }
    sql += "COMMIT";
    await this.inTransaction(sql, values);
  }

  /** Claims from the claim log: the admission is marked claimed with its session. */
  async recordClaims(eventId: string, claims: Claim[], at: number): Promise<void> {
    if (claims.length === 0) return;
    const values: unknown[] = [];
    for (const c of claims) values.push(eventId, c.ticketId, utc(at), utc(at), c.sessionId, utc(c.expiresAt));
    await this.pool.query(
      `INSERT INTO admissions (event_id, ticket_id, number, claim_deadline, claimed_at, session_id, session_expires_at) VALUES ${claims.map(() => "(?, ?, 0, ?, ?, ?, ?)").join(", ")} ` +
        "ON DUPLICATE KEY UPDATE claimed_at = COALESCE(claimed_at, VALUES(claimed_at)), session_id = VALUES(session_id), session_expires_at = VALUES(session_expires_at)",
      values,
    );
  }

  /** What a restore puts back: admissions unclaimed and in their window; of the given tickets and sessions, those MySQL knows claimed or ended. */
  async restoreInputs(eventId: string, now: number, present: { admitted: string[]; active: string[] }) {
    const [open] = (await this.pool.query("SELECT ticket_id AS ticketId, claim_deadline AS deadline FROM admissions WHERE event_id = ? AND claimed_at IS NULL AND claim_deadline > ?", [
      eventId,
      utc(now),
    ])) as Rows<{ ticketId: string; deadline: Date }>;
    const claimed: string[] = [];
    for (const chunk of chunks(present.admitted, 1000)) {
      const [rows] = (await this.pool.query("SELECT ticket_id AS ticketId FROM admissions WHERE event_id = ? AND claimed_at IS NOT NULL AND ticket_id IN (?)", [eventId, chunk])) as Rows<{
        ticketId: string;
      }>;
      claimed.push(...rows.map((r) => r.ticketId));
    }
    const ended: string[] = [];
    for (const chunk of chunks(present.active, 1000)) ended.push(...(await this.endedAmong(eventId, chunk)));
    return { admitted: open.map((r) => ({ ticketId: r.ticketId, deadline: r.deadline.getTime() })), claimed, ended };
  }

  /** Of these sessions, the ones that ended: left or revoked (ended_sessions) or bought (orders). */
  async endedAmong(eventId: string, sessionIds: string[]): Promise<string[]> {
    if (sessionIds.length === 0) return [];
    const [rows] = (await this.pool.query(
      "SELECT session_id AS sid FROM ended_sessions WHERE event_id = ? AND session_id IN (?) UNION SELECT session_id AS sid FROM orders WHERE event_id = ? AND session_id IN (?)",
      [eventId, sessionIds, eventId, sessionIds],
    )) as Rows<{ sid: string }>;
    return [...new Set(rows.map((r) => r.sid))];
  }

  /** After a restore: the checkpoint holds the restored counters, and the restore is counted. */
  async recordRestore(eventId: string, r: { serving: number; lastNumber: number; at: number; kind: "full" | "partial" }): Promise<void> {
    await this.pool.query(
      "INSERT INTO queue_checkpoints (event_id, serving, last_number, checkpoint_at, restores, restored_at, restore_kind) VALUES (?, ?, ?, ?, 1, ?, ?) " +
        "ON DUPLICATE KEY UPDATE serving = GREATEST(serving, VALUES(serving)), last_number = GREATEST(last_number, VALUES(last_number)), " +
        "checkpoint_at = GREATEST(checkpoint_at, VALUES(checkpoint_at)), restores = restores + 1, restored_at = VALUES(restored_at), restore_kind = VALUES(restore_kind)",
      [eventId, r.serving, r.lastNumber, utc(r.at), utc(r.at), r.kind],
    );
  }

  private async inTransaction(sql: string, values: unknown[]): Promise<void> {
    const connection = await this.pool.getConnection();
    try {
      await connection.query(sql, values);
    } catch (error) {
      await connection.query("ROLLBACK").catch(() => {});
      throw error;
    } finally {
      connection.release();
    }
  }
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Records a session that ended before its time (a fan who left, a session revoked), so no restore brings it back. */
export async function recordEndedSession(db: Db, eventId: string, sessionId: string, reason: "left" | "revoked", at: number): Promise<void> {
  await db.$client.query("INSERT IGNORE INTO ended_sessions (event_id, session_id, reason, ended_at) VALUES (?, ?, ?, ?)", [eventId, sessionId, reason, utc(at)]);
}
