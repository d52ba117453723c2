/**
 * Seat budgets: the leader's step before each admission when the organiser set
 * `choiceMarginSeats`. Fans say while waiting how many seats they want and of which tier
 * (or under which price); admitting counts those seats, not only fans. The rule, per tier T:
 *
 *   declared seats of admitted fans who have not finished, that may take T  <=  unsold(T) + margin
 *
 * where "not finished" is an admission not yet claimed (`admitted`) or a live session that is
 * not staff (`active`: a purchase ends it), unsold(T) is T's seats not in `sold` (free, or held
 * by those same fans), an undeclared fan counts the per-order limit, and a fan may take T when
 * they named T, or set a price cap at or above T's lowest price, or named neither (every tier),
 * and T still has at least the seats they declared unsold (a tier too short for the fan cannot
 * serve them, so it neither counts them nor holds them back: common/choice.ts servingTiers).
 * A fan no tier can serve as declared counts no seats (they choose again at the sale). This step reads the fans in
 * the area in one MULTI and hands each tier's room to admitFans, which admits from the head
 * of the line while the rooms hold and takes each admitted fan's seats from them in the same
 * atomic call. Between this read and the script, rooms only grow (sessions end; purchases
 * take no more seats than their buyer counted), so the rule holds at every moment.
 */
import type Redis from "ioredis";
import type { EventKeys } from "../../../common/keys.ts";
import { parseChoice, reachOf, servingTiers } from "../../../common/choice.ts";
import type { SeatBudgetArgs } from "./scripts.ts";

/** An event's tiers as the seat budgets see them (from the event catalogue, through compose.ts). */
export interface TierLayout {
  tiers: Array<{ tier: string; seats: number; lowestPriceCents: number }>;
  tierOf(seatId: string): string | undefined;
}

export interface BudgetRead {
  args: SeatBudgetArgs;
  /** declared seats of the fans in the area, per tier (what the rooms were reduced by) */
  used: Record<string, number>;
}

export async function readSeatBudget(redis: Redis, k: EventKeys, now: number, margin: number, layout: TierLayout): Promise<BudgetRead> {
  const replies = (await redis
    .multi()
    .zrange(k.admitted, 0, -1)
    .zrangebyscore(k.active, `(${now}`, "+inf")
    .zrange(k.staff, 0, -1)
    .hget(k.config, "perOrderLimit")
    .smembers(k.sold)
    .exec()) ?? [];
  for (const [error] of replies) if (error) throw error;
  const [admitted, active, staff, perOrder, sold] = replies.map(([, v]) => v) as [string[], string[], string[], string | null, string[]];
  const undeclared = Math.max(1, Math.floor(Number(perOrder) || 1));
  const unsold: Record<string, number> = {};
  for (const t of layout.tiers) unsold[t.tier] = t.seats;
  for (const seatId of sold) {
    const tier = layout.tierOf(seatId);
    if (tier !== undefined) unsold[tier] = (unsold[tier] ?? 0) - 1;
  }
  const staffSet = new Set(staff);
  const members = [...admitted, ...active.filter((sid) => !staffSet.has(sid))];
  const used: Record<string, number> = {};
  for (const t of layout.tiers) used[t.tier] = 0;
  const choices = members.length > 0 ? await redis.hmget(k.choices, ...members) : [];
  for (const raw of choices) {
    const { quantity, reach } = reachOf(parseChoice(raw), layout.tiers, undeclared);
    // only the tiers that can still serve the choice count it (none: admitFans admits it so)
    for (const t of servingTiers(quantity, reach, unsold)) used[t] = (used[t] ?? 0) + quantity;
  }
  return {
    used,
    args: {
      undeclared,
      tiers: layout.tiers.map((t) => ({ tier: t.tier, room: Math.max(0, unsold[t.tier]! + margin - used[t.tier]!), unsold: Math.max(0, unsold[t.tier]!), lowestPriceCents: t.lowestPriceCents })),
    },
  };
}

/** The most waiting fans the cut-off walk looks at per tick (from the head). */
const CUTOFF_WALK = 5000;

/**
 * Where each tier runs out for the fans still waiting: walking the line from its head,
 * the first queue number at which the seats declared ahead (by the fans admitted and not
 * finished, then by the waiting fans before it that may take the tier) already take every
 * unsold seat of the tier. A fan of that tier at or behind it is told before their turn
 * and offered the other tiers (the waiting page). The margin is left out: it is the
 * organiser's bet, not a seat. Tiers that do not run out within the walk are absent.
 */
export async function tierCutoffs(redis: Redis, k: EventKeys, read: BudgetRead, margin: number, layout: TierLayout): Promise<Record<string, number>> {
  const left: Record<string, number> = {};
  const unsold: Record<string, number> = {};
  for (const t of read.args.tiers) {
    left[t.tier] = t.room - margin;
    unsold[t.tier] = t.unsold;
  }
  const cutoffs: Record<string, number> = {};
  const mark = (number: number) => {
    for (const t of layout.tiers) if (cutoffs[t.tier] === undefined && left[t.tier]! <= 0) cutoffs[t.tier] = number;
  };
  const head = await redis.zrange(k.queue, 0, CUTOFF_WALK - 1, "WITHSCORES");
  if (head.length === 0) return cutoffs;
  const ids = head.filter((_, i) => i % 2 === 0);
  const choices = await redis.hmget(k.choices, ...ids);
  for (let i = 0; i < ids.length; i++) {
    const number = Number(head[2 * i + 1]);
    mark(number);
    if (Object.keys(cutoffs).length === layout.tiers.length) break;
    const { quantity, reach } = reachOf(parseChoice(choices[i]), layout.tiers, read.args.undeclared);
    for (const t of servingTiers(quantity, reach, unsold)) left[t] = (left[t] ?? 0) - quantity;
  }
  return cutoffs;
}
