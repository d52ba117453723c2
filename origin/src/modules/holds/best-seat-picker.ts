/**
 * Keeps the best-available requests of one origin instance off each other's seats. Many fans
 * asking at once share one read of the seat map, so they would all rank the same group first
 * and all but one would find it taken. The picker remembers, per event, the group each request
 * is trying right now and the seats this instance held since, so the next request skips them
 * and tries the next group: under a crowd almost every request holds its first group in one
 * script call. Requests of other instances are not seen here; the script settles those (the
 * loser tries its next candidate, then reads again).
 */

/** How long a seat this instance held is remembered: far longer than any read of the seat map takes. */
const RECENT_MS = 30_000;

export class BestSeatPicker {
  private readonly trying = new Map<string, Map<string, number>>();
  /** seatId -> when (performance.now) this instance held it */
  private readonly recent = new Map<string, Map<string, number>>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Whether a seat must be skipped by a request whose read of the seat map was asked for at `askedAt`. */
  skipper(eventId: string, askedAt: number): (seatId: string) => boolean {
    const trying = this.trying.get(eventId);
    const recent = this.recent.get(eventId);
    // a hold made before the read was asked for is in the read; a later one may not be
    return (seatId) => (trying?.has(seatId) ?? false) || (recent?.get(seatId) ?? Number.NEGATIVE_INFINITY) >= askedAt;
  }

  /** Marks a group as being tried; the returned function unmarks it. */
  beginTrying(eventId: string, seatIds: readonly string[]): () => void {
    let trying = this.trying.get(eventId);
    if (!trying) this.trying.set(eventId, (trying = new Map()));
    for (const id of seatIds) trying.set(id, (trying.get(id) ?? 0) + 1);
    return () => {
      for (const id of seatIds) {
        const n = (trying.get(id) ?? 1) - 1;
        if (n <= 0) trying.delete(id);
        else trying.set(id, n);
      }
      if (trying.size === 0 && this.trying.get(eventId) === trying) this.trying.delete(eventId);
    };
  }

  held(eventId: string, seatIds: readonly string[]): void {
    let recent = this.recent.get(eventId);
    if (!recent) this.recent.set(eventId, (recent = new Map()));
    const at = this.now();
    for (const id of seatIds) {
      recent.delete(id);
      recent.set(id, at);
    }
    // oldest first (insertion order): drop what every read asked for since has seen
    for (const [id, heldAt] of recent) {
      if (heldAt > at - RECENT_MS) break;
      recent.delete(id);
    }
  }
}
