/** Finding or making a fan's place in line: shared by the page and the JSON join. */
import { mintTicket, readTicket, ticketCookieName } from "../auth.ts";
import { config, type Env } from "../env.ts";
import { clientIp, cookie, error } from "../http.ts";
import { hubFor } from "../hub.ts";
import { join, type LineState } from "../joins.ts";
import { registryPresent } from "../restoring.ts";
import { fanView, type FanView, type Snapshot } from "../snapshot.ts";
import { refreshIntervalSeconds } from "./view.ts";

export type Place =
  | { kind: "joined" | "waiting"; tid: string; num: number; ticket: string; setCookie: string | null; view: FanView; about: Snapshot["about"] }
  | { kind: "admitted"; tid: string; num: number; ticket: string }
  | { kind: "no-queue" | "sale-ended" | "queue-full" }
  /** the line is being restored after Redis lost it; `held`: the fan holds a valid ticket (and keeps that place) */
  | { kind: "restoring"; held: boolean };

/** The fan's view straight from the state the join answered with: no second read. */
function viewAfterJoin(env: Env, eventId: string, state: LineState, num: number, goneAhead: number): FanView {
  // deviceBinding: not part of a fan's view (the join answer does not carry it)
  const snapshot: Snapshot = { ...state, gone: [], lookups: new Map(), restoredAt: null, deviceBinding: "off" };
  return fanView(snapshot, eventId, num, state.admitRate ?? hubFor(eventId).admitRate(), refreshIntervalSeconds(env), goneAhead);
}

/**
 * Returns the fan's place, or the 429 when a new place is rate limited. A fan with a
 * valid ticket keeps their place; anyone else (no ticket, forged, expired, other event,
 * or a ticket whose fan left the line) gets a new place at the back, which counts
 * against their IP's limit. After Redis lost the line, a valid ticket whose number the
 * restore kept is put back at it; while the line is not restored yet, the fan is told so.
 */
export async function findOrMakePlace(
  request: Request,
  env: Env,
  eventId: string,
  held?: Awaited<ReturnType<typeof readTicket>>,
  jkt: string | null = null,
): Promise<Place | Response> {
  if (held === undefined) held = await readTicket(request, env, eventId);
  const result = await join(env, eventId, { heldTid: held?.claims.tid ?? null, heldNum: held?.claims.num ?? 0, ip: clientIp(request) ?? "unknown" });
  switch (result.kind) {
    case "joined":
    case "waiting": {
      const view = viewAfterJoin(env, eventId, result.state, result.num, result.goneAhead);
      const base = { kind: result.kind, tid: result.tid, num: result.num, view, about: result.state.about };
      if (held && held.claims.num === result.num) return { ...base, ticket: held.token, setCookie: null };
      // a ticket re-minted for the same place keeps its binding; a new place takes the join's
      const ticket = await mintTicket(env, eventId, result.tid, result.num, result.tid === held?.claims.tid ? (held.claims.cnf?.jkt ?? null) : jkt);
      return { ...base, ticket, setCookie: cookie(request, ticketCookieName(eventId), ticket, config(env).ticketTtlSeconds) };
    }
    case "admitted":
      return { kind: "admitted", tid: result.tid, num: held!.claims.num, ticket: held!.token };
    case "rate-limited": {
      const retryAfter = String(Math.max(1, Math.ceil((result.resetAt - Date.now()) / 1000)));
      return error(429, "RATE_LIMITED", "Too many new places from your network; try again later.", { "retry-after": retryAfter });
    }
    case "restoring":
      return { kind: "restoring", held: held !== null };
    case "no-queue":
      // no queue state, and the registry of queues gone too: Redis lost everything and the
      // line is being restored (one extra call, only on this path)
      return (await registryPresent(env)) ? { kind: "no-queue" } : { kind: "restoring", held: held !== null };
    default:
      return { kind: result.kind };
  }
}
