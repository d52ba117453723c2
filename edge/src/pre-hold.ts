/**
 * The pre-hold at the turn: a fan who declared a choice while waiting claims the turn and
 * the edge asks the origin, with the fan's fresh active token, for the best available seats
 * matching it (the origin's best-available hold, all or nothing). The sale page then opens
 * on that hold and its countdown (it lists the session's holds when it loads). When nothing
 * matching is free the claim still succeeds: the fan is told why and chooses again there.
 */
import type { DeclaredChoice } from "../../common/choice.ts";
import type { Env } from "./env.ts";
import { upstreamHeaders } from "./proxy.ts";

export type PreHold =
  | { held: true; holdId: string; seatIds: string[]; expiresAt: string; adjacent: boolean }
  | { held: false; code: string; message: string };

export async function preHold(request: Request, env: Env, eventId: string, activeToken: string, choice: DeclaredChoice): Promise<PreHold> {
  const headers = upstreamHeaders(request, env, activeToken);
  headers.set("content-type", "application/json");
  headers.delete("dpop");
  let res: Response;
  try {
    res = await fetch(new URL(`/api/events/${eventId}/holds/best-available`, env.ORIGIN_URL), { method: "POST", headers, body: JSON.stringify(choice) });
  } catch {
    return { held: false, code: "ORIGIN_UNREACHABLE", message: "Your seats could not be held yet: choose them on the sale page." };
  }
  const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
  if (res.status === 201 && body && Array.isArray(body.seatIds)) {
    return { held: true, holdId: String(body.holdId), seatIds: body.seatIds.map(String), expiresAt: String(body.expiresAt), adjacent: body.adjacent === true };
  }
  return { held: false, code: typeof body?.code === "string" ? body.code : "PRE_HOLD_FAILED", message: typeof body?.message === "string" ? body.message : "Your seats could not be held: choose them on the sale page." };
}
