/**
 * Sessions after Redis lost the line. A fan whose active token is signed and unexpired
 * but whose session is missing from `active` is brought back when the token was issued
 * before the line was restored (`queue:state.restoredAt`) and MySQL does not know the
 * session ended (left, revoked, bought): the session is registered again with the expiry
 * it had at most (the token's, cut to the session duration), and the request goes on. A
 * staff session (the token's `staff`, a bypass rule's) comes back as staff: in `staff` as
 * well as `active`, in one MULTI, so the scheduler never counts it against maxActive.
 * While the line is missing (MySQL has the room, Redis has no status) the answer is 503
 * RESTORING, never "rejoin the queue".
 *
 * A session on an event another event's room covers (common/room-routes.ts) lives in that
 * room's `active`: its first refused request on the covered event registers it in the event's
 * `active` too, with the room's expiry, unless it ended on that event (MySQL), so the seat
 * scripts, which check `active` on the event's own hash slot, run unchanged.
 *
 * Only a refused request does this work: a live session costs nothing more.
 */
import type Redis from "ioredis";
import { eventKeys } from "../../../common/keys.ts";
import type { ActiveTokenClaims } from "../../../common/tokens.ts";
import type { Clock } from "../lib/clock.ts";
import { RestoringError, SessionInactiveError } from "../errors.ts";
import type { DurableLine } from "./durable.ts";
import { findRoom } from "./rooms.ts";

/** What a fan route knows of its session: the token's id, event, issue and expiry times (s), whether staff hold it, and the room it lives in when its event is covered by another's. */
export type RecoverableSession = Pick<ActiveTokenClaims, "sid" | "iat" | "exp"> & { eventId: string; staff?: boolean; room?: string };

export interface SessionRecoveryOptions {
  redis: Redis;
  clock: Clock;
  /** waiting rooms and ended sessions in MySQL */
  line: DurableLine;
  /** the session duration of a room whose queue state names none */
  defaultSessionSeconds: number;
}

export class SessionRecovery {
  constructor(private readonly o: SessionRecoveryOptions) {}

  /**
   * Registers the session again when the restore rules allow it; returns whether it did.
   * Throws RESTORING while the event's line is being rebuilt.
   */
  async revive(session: RecoverableSession): Promise<boolean> {
    const { redis, clock, line } = this.o;
    const k = eventKeys(session.eventId);
    const [status, restoredAt, sessionSeconds] = await redis.hmget(k.queueState, "status", "restoredAt", "sessionSeconds");
    if (!status) {
      if (await findRoom(line.database, session.eventId)) throw new RestoringError();
      return false;
    }
    if (!restoredAt || session.iat * 1000 >= Number(restoredAt)) return false;
    const now = clock.now();
    const seconds = Number(sessionSeconds) > 0 ? Number(sessionSeconds) : this.o.defaultSessionSeconds;
    const limit = (session.iat + seconds) * 1000;
    const expiresAt = Math.min(session.exp * 1000, limit);
    if (expiresAt <= now) return false;
    if ((await line.endedAmong(session.eventId, [session.sid])).length > 0) return false;
    if (session.staff) await redis.multi().zadd(k.active, "NX", expiresAt, session.sid).zadd(k.staff, "NX", expiresAt, session.sid).exec();
    else await redis.zadd(k.active, "NX", expiresAt, session.sid);
    return true;
  }

  /**
   * Registers a covered event's session in the event's `active` while it lives in its room's
   * (brought back there first when Redis lost it); returns whether it did.
   */
  async cover(session: RecoverableSession & { room: string }): Promise<boolean> {
    const { redis, clock, line } = this.o;
    const roomActive = eventKeys(session.room).active;
    let score = await redis.zscore(roomActive, session.sid);
    if (!(Number(score) > clock.now())) {
      if (!(await this.revive({ ...session, eventId: session.room }))) return false;
      score = await redis.zscore(roomActive, session.sid);
    }
    if (!(Number(score) > clock.now())) return false;
    if ((await line.endedAmong(session.eventId, [session.sid])).length > 0) return false;
    await redis.zadd(eventKeys(session.eventId).active, Number(score), session.sid);
    return true;
  }

  /** Runs `work`; when it finds the session ended, tries to bring the session back (or to cover it) and runs it once more. */
  async whileLive<T>(session: RecoverableSession, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof SessionInactiveError)) throw error;
      const back = session.room ? await this.cover({ ...session, room: session.room }) : await this.revive(session);
      if (!back) throw error;
      return work();
    }
  }
}
