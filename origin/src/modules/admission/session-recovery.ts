/**
 * Sessions after Redis lost the line. A fan whose active token is signed and unexpired
 * but whose session is missing from `active` is brought back when the token was issued
 * before the line was restored (`queue:state.restoredAt`) and MySQL does not know the
 * session ended (left, revoked, bought): the session is registered again with the expiry
 * it had at most (the token's, cut to the session duration), and the request goes on.
 * While the line is missing (MySQL has the room, Redis has no status) the answer is 503
 * RESTORING, never "rejoin the queue".
 *
 * Only a refused request does this work: a live session costs nothing more.
 */
import { eventKeys } from "../../../../common/keys.ts";
import type { Deps } from "../../deps.ts";
import { RestoringError, SessionInactiveError } from "../../errors.ts";
import type { ActiveSession } from "../../plugins/active-token.ts";
import { DurableLine } from "../../admission/durable.ts";
import { admissionRuntime } from "../../admission/runtime.ts";
import { findRoom } from "./rooms.ts";

const lines = new WeakMap<object, DurableLine>();
const lineOf = (deps: Deps) => {
  let line = lines.get(deps);
  if (!line) lines.set(deps, (line = new DurableLine(deps.database.db)));
  return line;
};

/**
 * Registers the session again when the restore rules allow it; returns whether it did.
 * Throws RESTORING while the event's line is being rebuilt.
 */
export async function reviveSession(deps: Deps, session: ActiveSession): Promise<boolean> {
  const k = eventKeys(session.eventId);
  const [status, restoredAt, sessionSeconds] = await deps.redis.hmget(k.queueState, "status", "restoredAt", "sessionSeconds");
  if (!status) {
    if (await findRoom(deps.database.db, session.eventId)) throw new RestoringError();
    return false;
  }
  if (!restoredAt || session.iat * 1000 >= Number(restoredAt)) return false;
  const now = deps.clock.now();
  const seconds = Number(sessionSeconds) > 0 ? Number(sessionSeconds) : admissionRuntime(deps).config.defaultSessionSeconds;
  const limit = (session.iat + seconds) * 1000;
  const expiresAt = Math.min(session.exp * 1000, limit);
  if (expiresAt <= now) return false;
  if ((await lineOf(deps).endedAmong(session.eventId, [session.sid])).length > 0) return false;
  await deps.redis.zadd(k.active, "NX", expiresAt, session.sid);
  return true;
}

/** Runs `work`; when it finds the session ended, tries to bring the session back and runs it once more. */
export async function whileLive<T>(deps: Deps, session: ActiveSession, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof SessionInactiveError)) throw error;
    if (!(await reviveSession(deps, session))) throw error;
    return work();
  }
}
