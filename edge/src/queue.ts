/** The waiting line's operations on Redis, one script call each. */
import { ClaimCode, JoinCode, TouchCode } from "../../lua/queue.ts";
import { randomId } from "./auth.ts";
import type { Env } from "./env.ts";
import { queueScripts, runScript } from "./redis.ts";

export type JoinResult =
  | { kind: "joined" | "waiting"; tid: string; num: number; serving: number }
  | { kind: "admitted"; tid: string; serving: number }
  | { kind: "no-queue" | "sale-ended" | "queue-full" };

export async function joinQueue(env: Env, eventId: string, heldTid: string | null): Promise<JoinResult> {
  const [code, tid, num, serving] = await runScript<[number, string, number, number]>(env, queueScripts.joinQueue, eventId, [
    heldTid ?? "",
    randomId(),
    Date.now(),
  ]);
  switch (code) {
    case JoinCode.JOINED:
      return { kind: "joined", tid, num: Number(num), serving: Number(serving) };
    case JoinCode.WAITING:
      return { kind: "waiting", tid, num: Number(num), serving: Number(serving) };
    case JoinCode.ADMITTED:
      return { kind: "admitted", tid, serving: Number(serving) };
    case JoinCode.NO_QUEUE:
      return { kind: "no-queue" };
    case JoinCode.SALE_ENDED:
      return { kind: "sale-ended" };
    case JoinCode.QUEUE_FULL:
      return { kind: "queue-full" };
    default:
      throw new Error(`joinQueue returned unknown code ${code}`);
  }
}

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
