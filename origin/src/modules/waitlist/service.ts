/**
 * The waiting list as the organiser reads it: how many wait and how many offers are open
 * (Redis, where the list is kept in order), what became of the offers (MySQL). The list is
 * joined at the edge and offered by the leader (keeper.ts).
 */
import { eventKeys } from "../../../../common/keys.ts";
import type { Deps } from "../../deps.ts";
import { listEntries } from "./store.ts";

const SHOWN = 1000;

export async function readWaitlist(deps: Deps, eventId: string) {
  const k = eventKeys(eventId);
  const [waiting, offers, rows] = await Promise.all([deps.redis.zcard(k.waitlist), deps.redis.hvals(k.waitlistOffers), listEntries(deps.database.db, eventId)]);
  return {
    eventId,
    waiting,
    offers: offers.filter((v) => v.startsWith("offer ")).length,
    claimed: rows.filter((r) => r.status === "claimed").length,
    passed: rows.filter((r) => r.status === "passed").length,
    entries: rows.slice(0, SHOWN).map((r) => ({
      place: r.place,
      quantity: r.quantity,
      tier: r.tier,
      hasContact: r.contact !== null,
      status: r.status,
      offerDeadline: r.offerDeadline ? r.offerDeadline.toISOString() : null,
    })),
  };
}
