/**
 * Which events the scheduler drives: those whose waiting room an admin opened
 * (POST /admin/events/:eventId/queue adds them to the set). Waiting rooms set up by
 * other means are left alone.
 */
import type Redis from "ioredis";
import { globalKeys } from "../../../common/keys.ts";

export function scheduledEvents(redis: Redis): Promise<string[]> {
  return redis.smembers(globalKeys.queues);
}
