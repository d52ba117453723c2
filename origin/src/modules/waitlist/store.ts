/**
 * The waiting list's rows in MySQL (waitlist_entries): what the leader copies from Redis,
 * what it records of each offer, and what it reads back when Redis lost the list. A copy is
 * `INSERT IGNORE` on (event, place), so copying an entry twice (a new leader, a retry) is
 * harmless.
 */
import { and, asc, eq, max, sql } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { waitlistEntries, type WaitlistStatus } from "../../db/schema/index.ts";

export interface WaitlistAsk {
  ticketId: string;
  place: number;
  quantity: number;
  tier: string | null;
  contact: string | null;
}

/** An entry as Redis keeps it in `waitlistAsks`: `<place>|<quantity>|<tier>|<contact>`. */
export function parseAsk(ticketId: string, raw: string): WaitlistAsk | null {
  const [place, quantity, tier, ...contact] = raw.split("|");
  const p = Number(place);
  const q = Number(quantity);
  if (!Number.isSafeInteger(p) || p < 1 || !Number.isSafeInteger(q) || q < 1) return null;
  return { ticketId, place: p, quantity: q, tier: tier ? tier : null, contact: contact.length > 0 && contact.join("|") !== "" ? contact.join("|") : null };
}

export const askText = (a: WaitlistAsk) => `${a.place}|${a.quantity}|${a.tier ?? ""}|${a.contact ?? ""}`;

export async function highestPlace(db: Db, eventId: string): Promise<number> {
  const [row] = await db.select({ place: max(waitlistEntries.place) }).from(waitlistEntries).where(eq(waitlistEntries.eventId, eventId));
  return Number(row?.place ?? 0);
}

export async function insertEntries(db: Db, eventId: string, asks: WaitlistAsk[], joinedAt: number): Promise<void> {
  if (asks.length === 0) return;
  await db
    .insert(waitlistEntries)
    .values(asks.map((a) => ({ eventId, place: a.place, ticketId: a.ticketId, quantity: a.quantity, tier: a.tier, contact: a.contact, status: "waiting" as const, joinedAt: new Date(joinedAt) })))
    .onDuplicateKeyUpdate({ set: { place: sql`place` } });
}

export async function recordOffer(db: Db, eventId: string, ticketId: string, at: number, deadline: number, seatIds: string[]): Promise<void> {
  await db
    .update(waitlistEntries)
    .set({ status: "offered", offeredAt: new Date(at), offerDeadline: new Date(deadline), offerSeats: seatIds.join(",") })
    .where(and(eq(waitlistEntries.eventId, eventId), eq(waitlistEntries.ticketId, ticketId)));
}

export async function recordOutcome(db: Db, eventId: string, ticketId: string, status: Extract<WaitlistStatus, "claimed" | "passed">, at: number): Promise<void> {
  await db
    .update(waitlistEntries)
    .set({ status, endedAt: new Date(at) })
    .where(and(eq(waitlistEntries.eventId, eventId), eq(waitlistEntries.ticketId, ticketId)));
}

/** Every entry of the event, in order, as the list was left. */
export async function listEntries(db: Db, eventId: string) {
  return db.select().from(waitlistEntries).where(eq(waitlistEntries.eventId, eventId)).orderBy(asc(waitlistEntries.place));
}
