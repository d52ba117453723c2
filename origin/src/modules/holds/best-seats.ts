/**
 * Which seats "best available" offers, ranked from a read of the seat map: the pure part of
 * the best-available hold (the holdBestSeats script takes the first ranked group still free).
 *
 * The rule, for a group of q seats in the seats that match the fan's choice (a tier, a
 * price cap, or any seat):
 * 1. Adjacent first: q free seats side by side in one row. Among those, the row nearest
 *    the front (row 1 is the front) wins, then the section that comes first in the layout;
 *    within a row, a group that leaves the free seats on each side in runs that q-seat
 *    groups can still fill (no lone seat, a multiple of q) comes before one that does not,
 *    then the group nearest the row's centre.
 * 2. Only when no row has q adjacent free seats: the closest set, q free seats of one
 *    section taken in seat order (row by row) that span the fewest rows, then the fewest
 *    seats across, front rows first.
 * Nothing here touches Redis; the ranking of one read is computed once and shared by every
 * request that uses that read.
 */
import type { SeatRow } from "../../db/schema/index.ts";
import type { CatalogEvent } from "../events/catalog.ts";

/** A read of the seat map (the events feature's SeatStates): each seat's status, in layout order. */
export interface SeatRead {
  states: readonly string[];
}

export interface SeatChoice {
  quantity: number;
  tier?: string;
  maxPriceCents?: number;
}

export interface RankedGroups {
  /** adjacent groups, best first; empty when no row has `quantity` free seats side by side */
  adjacent: SeatRow[][];
  /** closest sets, best first; only computed when there is no adjacent group */
  closest: SeatRow[][];
}

interface Window {
  seats: SeatRow[];
  row: number;
  section: number;
  penalty: number;
  distance: number;
}

/** How badly a group leaves its row's free run: a lone seat costs 2, a run q-seat groups cannot fill costs 1. */
function leftover(run: number, q: number): number {
  if (run === 0) return 0;
  return (run === 1 ? 2 : 0) + (run % q === 0 ? 0 : 1);
}

export function matches(seat: SeatRow, choice: SeatChoice): boolean {
  if (choice.tier !== undefined && seat.tier !== choice.tier) return false;
  if (choice.maxPriceCents !== undefined && seat.priceCents > choice.maxPriceCents) return false;
  return true;
}

export function rankGroups(entry: CatalogEvent, states: SeatRead, choice: SeatChoice): RankedGroups {
  const q = choice.quantity;
  const sectionOrder = new Map<string, number>();
  // Rows in layout order: the catalog lists seats by section, row, number.
  const rows: Array<{ section: number; row: number; seats: Array<{ seat: SeatRow; free: boolean }> }> = [];
  let current: (typeof rows)[number] | undefined;
  entry.seats.forEach((seat, i) => {
    if (!sectionOrder.has(seat.section)) sectionOrder.set(seat.section, sectionOrder.size);
    const section = sectionOrder.get(seat.section)!;
    if (!current || current.section !== section || current.row !== seat.row) {
      current = { section, row: seat.row, seats: [] };
      rows.push(current);
    }
    current.seats.push({ seat, free: states.states[i] === "available" && matches(seat, choice) });
  });

  const windows: Window[] = [];
  for (const row of rows) {
    const numbers = row.seats.map((s) => s.seat.number);
    const centre = (Math.min(...numbers) + Math.max(...numbers)) / 2;
    let start = 0;
    while (start < row.seats.length) {
      if (!row.seats[start]!.free) {
        start += 1;
        continue;
      }
      // a run of free seats with consecutive numbers
      let end = start;
      while (end + 1 < row.seats.length && row.seats[end + 1]!.free && row.seats[end + 1]!.seat.number === row.seats[end]!.seat.number + 1) end += 1;
      const length = end - start + 1;
      for (let a = 0; a + q <= length; a++) {
        const seats = row.seats.slice(start + a, start + a + q).map((s) => s.seat);
        const middle = (seats[0]!.number + seats[q - 1]!.number) / 2;
        windows.push({ seats, row: row.row, section: row.section, penalty: leftover(a, q) + leftover(length - q - a, q), distance: Math.abs(middle - centre) });
      }
      start = end + 1;
    }
  }
  if (windows.length > 0) {
    windows.sort((x, y) => x.row - y.row || x.section - y.section || x.penalty - y.penalty || x.distance - y.distance || x.seats[0]!.number - y.seats[0]!.number);
    return { adjacent: windows.map((w) => w.seats), closest: [] };
  }
  return { adjacent: [], closest: closestSets(rows, q) };
}

function closestSets(rows: Array<{ section: number; row: number; seats: Array<{ seat: SeatRow; free: boolean }> }>, q: number): SeatRow[][] {
  const bySection = new Map<number, SeatRow[]>();
  for (const row of rows) {
    const free = row.seats.filter((s) => s.free).map((s) => s.seat);
    if (free.length > 0) bySection.set(row.section, [...(bySection.get(row.section) ?? []), ...free]);
  }
  const sets: Array<{ seats: SeatRow[]; rows: number; across: number; front: number; section: number }> = [];
  for (const [section, free] of bySection) {
    for (let i = 0; i + q <= free.length; i++) {
      const seats = free.slice(i, i + q);
      const numbers = seats.map((s) => s.number);
      sets.push({ seats, rows: seats[q - 1]!.row - seats[0]!.row, across: Math.max(...numbers) - Math.min(...numbers), front: seats[0]!.row, section });
    }
  }
  sets.sort((x, y) => x.rows - y.rows || x.across - y.across || x.front - y.front || x.section - y.section);
  return sets.map((s) => s.seats);
}

/** The ranking of one read, computed once however many requests use that read. */
const rankings = new WeakMap<SeatRead, Map<string, RankedGroups>>();

export function rankedGroups(entry: CatalogEvent, states: SeatRead, choice: SeatChoice): RankedGroups {
  let byChoice = rankings.get(states);
  if (!byChoice) {
    byChoice = new Map();
    rankings.set(states, byChoice);
  }
  const key = `${choice.quantity}|${choice.tier ?? ""}|${choice.maxPriceCents ?? ""}`;
  let ranked = byChoice.get(key);
  if (!ranked) {
    ranked = rankGroups(entry, states, choice);
    byChoice.set(key, ranked);
  }
  return ranked;
}
