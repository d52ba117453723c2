import { config, type Env } from "../env.ts";
import { hubFor } from "../hub.ts";
import { fanView, type FanView } from "../snapshot.ts";

/** A waiting fan's view from the isolate's shared snapshot (read at most once per tick). */
export async function viewFor(env: Env, eventId: string, num: number, servingHint = 0): Promise<FanView> {
  const hub = hubFor(eventId);
  const snapshot = await hub.ensureFresh(env);
  const s = servingHint > snapshot.serving ? { ...snapshot, serving: servingHint } : snapshot;
  return fanView(s, eventId, num, hub.admitRate(), refreshIntervalSeconds(env));
}

/** How often clients without a stream should poll: well inside the presence grace period. */
export function refreshIntervalSeconds(env: Env): number {
  return Math.max(1, Math.floor(config(env).presenceGraceMs / 3000));
}
