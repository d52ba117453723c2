/**
 * GET /health: whether the waiting room can serve fans right now, for monitors and load
 * balancers (GET /healthz is liveness only and touches nothing). Degraded (503) when Redis
 * cannot be reached, when the registry of queues is missing (Redis lost it, or no event has
 * a waiting room yet), or when an event in the registry has no queue status (its line is
 * being restored). One answer per isolate a second, so probes cost Redis little.
 */
import { eventKeys, EVENT_ID_PATTERN, globalKeys } from "../../../common/keys.ts";
import type { Env } from "../env.ts";
import { json } from "../http.ts";
import { client } from "../redis.ts";

/** Events whose queue state one probe checks, at most. */
const MAX_EVENTS = 200;
const CACHE_MS = 1000;

export interface Health {
  status: "ok" | "degraded";
  redis: { reachable: boolean };
  registry: { present: boolean; events: number };
  /** events in the registry whose queue state has no status: their lines are being restored */
  restoring: string[];
  checkedAt: string;
}

const cache = new Map<string, { at: number; health: Health }>();

async function check(env: Env): Promise<Health> {
  const redis = client(env).redis;
  const checkedAt = new Date().toISOString();
  let ids: string[];
  let scheduled = false;
  const restoring: string[] = [];
  try {
    ids = ((await redis.smembers(globalKeys.queues)) as string[]).map(String).filter((id) => EVENT_ID_PATTERN.test(id));
    scheduled = Number(await redis.exists(globalKeys.scheduled)) > 0;
    const checked = ids.slice(0, MAX_EVENTS);
    if (checked.length > 0) {
      const pipeline = redis.pipeline();
      for (const id of checked) pipeline.hexists(eventKeys(id).queueState, "status");
      const found = (await pipeline.exec()) as unknown[];
      checked.forEach((id, i) => {
        if (Number(found[i]) !== 1) restoring.push(id);
      });
    }
  } catch {
    return { status: "degraded", redis: { reachable: false }, registry: { present: false, events: 0 }, restoring: [], checkedAt };
  }
  // the registry, or the mark of a scheduler that went over this Redis since it lost its data
  const present = ids.length > 0 || scheduled;
  return { status: present && restoring.length === 0 ? "ok" : "degraded", redis: { reachable: true }, registry: { present, events: ids.length }, restoring, checkedAt };
}

export async function health(env: Env): Promise<Response> {
  const id = env.UPSTASH_REDIS_REST_URL;
  const now = Date.now();
  let entry = cache.get(id);
  if (!entry || now - entry.at >= CACHE_MS) {
    entry = { at: now, health: await check(env) };
    cache.set(id, entry);
  }
  const ok = entry.health.status === "ok";
  return json(entry.health, ok ? 200 : 503, ok ? {} : { "retry-after": "5" });
}
