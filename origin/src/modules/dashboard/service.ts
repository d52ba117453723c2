/**
 * The organiser dashboard: the waiting room's live state plus the samples the scheduling
 * leader keeps (see sampler.ts), with per-second rates derived between neighbours.
 */
import type { Static } from "elysia";
import { eventKeys } from "../../../../common/keys.ts";
import type { Deps } from "../../deps.ts";
import { readQueue } from "../admission/service.ts";
import type { dashboardSample, dashboardView } from "./model.ts";
import { SAMPLE_EVERY_MS, type StoredSample } from "./sampler.ts";

type Sample = Static<typeof dashboardSample>;

function perSecond(now: number, before: number, dtMs: number): number | null {
  if (dtMs <= 0 || now < before) return null;
  return Math.round(((now - before) * 1000 * 1000) / dtMs) / 1000;
}

/** Stored samples (newest first) to the dashboard's view (oldest first, rates derived). */
export function toSamples(stored: StoredSample[]): Sample[] {
  const ordered = [...stored].sort((a, b) => a.t - b.t);
  return ordered.map((s, i) => {
    const prev = i > 0 ? ordered[i - 1]! : null;
    const dt = prev ? s.t - prev.t : 0;
    return {
      t: s.t,
      status: s.status,
      waiting: s.waiting,
      admittedPerSec: prev ? perSecond(s.admitted, prev.admitted, dt) : null,
      targetRate: s.target,
      ceilingRate: s.ceiling,
      activeSessions: s.active,
      unclaimed: s.unclaimed,
      maxActive: s.maxActive,
      heldSeats: s.held,
      soldSeats: s.sold,
      soldPerSec: prev ? perSecond(s.sold, prev.sold, dt) : null,
      purchasesPerSec: s.window > 0 ? Math.round((s.purchases * 1000 * 1000) / s.window) / 1000 : 0,
      purchaseP95Ms: s.p95,
      admittedTotal: s.admitted,
      restoredAt: s.restoredAt ?? null,
      restoreKind: s.restoreKind ?? null,
      replacedTotal: s.replaced ?? 0,
    };
  });
}

function parse(raw: string): StoredSample | null {
  try {
    const s = JSON.parse(raw) as StoredSample;
    return typeof s?.t === "number" ? s : null;
  } catch {
    return null;
  }
}

export async function readDashboard(deps: Deps, eventId: string, since?: number): Promise<Static<typeof dashboardView>> {
  const [queue, raw] = await Promise.all([readQueue(deps, eventId), deps.redis.lrange(eventKeys(eventId).dashboard, 0, -1)]);
  const samples = toSamples(raw.map(parse).filter((s): s is StoredSample => s !== null));
  return {
    eventId,
    now: deps.clock.now(),
    intervalMs: SAMPLE_EVERY_MS,
    queue,
    samples: since === undefined ? samples : samples.filter((s) => s.t > since),
  };
}
