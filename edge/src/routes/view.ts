import { config, type Env } from "../env.ts";
import { hubFor } from "../hub.ts";
import { restoringView, type RestoringView } from "../restoring.ts";
import { fanView, sawWaiting, type FanView } from "../snapshot.ts";

/**
 * A waiting fan's view from the isolate's shared snapshot (read at most once per tick), or
 * the restoring view while the event's queue state is missing. Called after the ticket's
 * touch found the state there: a snapshot older than that which still says restoring is
 * read again once, so a fan just put back sees their position at once.
 */
export async function viewFor(env: Env, eventId: string, num: number, servingHint = 0): Promise<FanView | RestoringView> {
  const hub = hubFor(eventId);
  let snapshot = await hub.ensureFresh(env);
  // older than the touch that put this fan back (after a restore): read once more, so the
  // fan and those behind them are counted together
  if (snapshot.status === "restoring" || !sawWaiting(snapshot, num)) snapshot = await hub.ensureFresh(env, null, 0);
  if (snapshot.status === "restoring") return restoringView(eventId, num, refreshIntervalSeconds(env));
  const s = servingHint > snapshot.serving ? { ...snapshot, serving: servingHint } : snapshot;
  return fanView(s, eventId, num, hub.admitRate(), refreshIntervalSeconds(env));
}

/** How often clients without a stream should poll: well inside the presence grace period, and at least every 10 s, so a turn is seen soon. */
export function refreshIntervalSeconds(env: Env): number {
  return Math.max(1, Math.min(10, Math.floor(config(env).presenceGraceMs / 3000)));
}
