/** The waiting line's per-ticket operations on Redis, one script call each (joins: ./joins.ts). */
import { ClaimCode, TouchCode } from "../../lua/queue.ts";
import { randomId } from "./auth.ts";
import type { Env } from "./env.ts";
import { queueScripts, runScript } from "./redis.ts";

export type TouchResult = { kind: "waiting"; num: number } | { kind: "admitted"; deadline: number } | { kind: "unknown" };

export async function touchTicket(env: Env, eventId: string, tid: string): Promise<TouchResult> {
  const [code, value] = await runScript<[number, number]>(env, queueScripts.touchTicket, eventId, [tid, Date.now()]);
  if (code === TouchCode.WAITING) return { kind: "waiting", num: Number(value) };
  if (code === TouchCode.ADMITTED) return { kind: "admitted", deadline: Number(value) };
  return { kind: "unknown" };
}

export type ClaimResult = { kind: "claimed"; sid: string; expiresAt: number } | { kind: "still-waiting" | "not-admitted" | "claim-expired" };

export async function claimTurn(env: Env, eventId: string, tid: string, sessionTtlSeconds: number): Promise<ClaimResult> {
  const sid = randomId();
  // an admin's per-event session length (queue state) wins over the default inside the script
  const [code, expiresAt] = await runScript<[number, number?]>(env, queueScripts.claimTurn, eventId, [tid, sid, Date.now(), sessionTtlSeconds * 1000]);
  switch (code) {
    case ClaimCode.CLAIMED:
      return { kind: "claimed", sid, expiresAt: Number(expiresAt) };
    case ClaimCode.STILL_WAITING:
      return { kind: "still-waiting" };
    case ClaimCode.NOT_ADMITTED:
      return { kind: "not-admitted" };
    case ClaimCode.CLAIM_EXPIRED:
      return { kind: "claim-expired" };
    default:
      throw new Error(`claimTurn returned unknown code ${code}`);
  }
}
