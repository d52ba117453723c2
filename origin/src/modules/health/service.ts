import { inArray } from "drizzle-orm";
import { eventKeys } from "../../../../common/keys.ts";
import { waitingRooms } from "../../db/schema/index.ts";
import type { Deps } from "../../deps.ts";

async function answers(check: () => Promise<unknown>, timeoutMs = 1000): Promise<boolean> {
  try {
    await Promise.race([check(), Bun.sleep(timeoutMs).then(() => Promise.reject(new Error("timeout")))]);
    return true;
  } catch {
    return false;
  }
}

/** Statuses in which a waiting room must have its line in Redis: fans wait or are admitted. */
const ON_SALE = ["prequeue", "open", "paused"] as const;

/** Events whose waiting room MySQL says is on sale while Redis has no queue state for it (the line is being restored). */
async function restoringEvents({ redis, database }: Pick<Deps, "redis" | "database">): Promise<string[]> {
  const rooms = await database.db.select({ eventId: waitingRooms.eventId }).from(waitingRooms).where(inArray(waitingRooms.status, [...ON_SALE]));
  if (rooms.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const { eventId } of rooms) pipeline.hexists(eventKeys(eventId).queueState, "status");
  const replies = (await pipeline.exec()) ?? [];
  return rooms.filter((_, i) => replies[i]?.[0] === null && replies[i]?.[1] === 0).map((r) => r.eventId);
}

export async function readiness(deps: Pick<Deps, "redis" | "database">) {
  const { redis, database } = deps;
  const [redisUp, mysqlUp] = await Promise.all([answers(() => redis.ping()), answers(() => database.pool.query("SELECT 1"))]);
  if (!redisUp || !mysqlUp) return { status: "unavailable" as const, redis: redisUp, mysql: mysqlUp };
  let restoring: string[] = [];
  try {
    restoring = await restoringEvents(deps);
  } catch {
    // both stores answered a moment ago; a failed look-up says nothing about the lines
  }
  if (restoring.length > 0) return { status: "degraded" as const, redis: true, mysql: true, restoring };
  return { status: "ready" as const, redis: true, mysql: true };
}
