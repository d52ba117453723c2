/**
 * An event's shared queue state as one isolate last read it, and what it means for one
 * fan: position is computed from the serving pointer and the numbers of fans who left,
 * never by asking Redis about that fan.
 */
import { chanceAt, describeChance, type Chance } from "../../common/honest-line.ts";
import type { LineStatus } from "../../common/queue-state.ts";
import type { LineRead } from "../../lua/replies.ts";

/**
 * One read of the line (readQueueState, lua/replies.ts) and when it was made; a join's own
 * answer makes one too (routes/place.ts).
 */
export interface Snapshot extends Omit<LineRead, "lookups"> {
  /** when it was read (ms) */
  at: number;
  /** admission look-ups made in this read: ticketId -> deadline ms | "w" (waiting) | "" (neither) */
  lookups: Map<string, string>;
}

/** Count of numbers in the ascending array below `n`. */
function countBelow(sorted: number[], n: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < n) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Whether the snapshot was read while number `n` waited: not among the gone numbers it
 * returned (above the pointer), or among the early ones (at or below it). A snapshot read
 * before the fan was put back after a restore says no, and shows them no position: the
 * fans behind them would have been counted without them.
 */
export function sawWaiting(s: Snapshot, n: number): boolean {
  if (n <= s.serving) return s.early[countBelow(s.early, n)] === n;
  const i = countBelow(s.gone, n);
  return s.gone[i] !== n;
}

/**
 * Fans who left and were ahead of number `n`. Exact for the front of the line (the gone
 * numbers the read returned); past the last returned number, the rest are assumed spread
 * evenly up to the tail.
 */
export function goneAhead(s: Snapshot, n: number): number {
  const exact = countBelow(s.gone, n);
  const unseen = s.goneTotal - s.gone.length;
  const last = s.gone[s.gone.length - 1];
  if (unseen <= 0 || last === undefined || n <= last || s.tail <= last) return exact;
  return exact + Math.round((unseen * Math.min(n - last, s.tail - last)) / (s.tail - last));
}

export interface FanView {
  eventId: string;
  ticketNumber: number;
  status: LineStatus;
  /** when the sale opens (ISO), so a pre-queue page can count down */
  opensAt: string | null;
  /** when the sale closes (ISO), the organiser's closing time; null when none */
  closesAt: string | null;
  /** the wait estimate runs past the closing time: the fan's turn may come after the sale closed */
  turnAfterClosing: boolean;
  /** 1 = next in line */
  position: number;
  ahead: number;
  behind: number;
  waiting: number;
  waitTimeKnown: boolean;
  /** minutes, rounded up (as Cloudflare Waiting Room reports it) */
  waitTime: number | null;
  waitTimeSeconds: number | null;
  waitTimeFormatted: string;
  queueIsFull: boolean;
  queueAll: boolean;
  inWaitingRoom: boolean;
  lastUpdated: string;
  refreshIntervalSeconds: number;
  /**
   * The chance of getting a ticket at this position, from what the sale has left
   * (common/honest-line.ts): "very likely", "about N %" or "unlikely", with the number.
   * null before the sale opens (places are drawn by lot then) or while no estimate is published.
   */
  chance: Chance | null;
  /**
   * Tiers whose unsold seats the fans ahead have already declared (the seat budgets,
   * docs/FEATURES.md "Choose while waiting"): a fan who chose one of them is told before
   * their turn and offered the others. [] when none, or without seat budgets.
   */
  tiersRunningOut: string[];
}

function formatWait(seconds: number | null): string {
  if (seconds === null) return "unknown";
  if (seconds < 60) return "less than a minute";
  const minutes = Math.ceil(seconds / 60);
  return minutes === 1 ? "1 minute" : `${minutes} minutes`;
}

/** `left` = fans who left ahead of number `n`, when the caller knows it exactly (a join's own read). */
export function fanView(s: Snapshot, eventId: string, n: number, admitRate: number | null, refreshIntervalSeconds: number, left = goneAhead(s, n)): FanView {
  const position = n <= s.serving ? 1 + countBelow(s.early, n) : s.early.length + Math.max(1, n - s.serving - left);
  const rate = s.status === "open" ? admitRate : null;
  const waitTimeSeconds = rate && rate > 0 ? Math.ceil(position / rate) : null;
  return {
    eventId,
    ticketNumber: n,
    status: s.status,
    opensAt: s.opensAt === null ? null : new Date(s.opensAt).toISOString(),
    closesAt: s.closesAt === null ? null : new Date(s.closesAt).toISOString(),
    turnAfterClosing: s.closesAt !== null && waitTimeSeconds !== null && s.at + waitTimeSeconds * 1000 > s.closesAt,
    position,
    ahead: position - 1,
    behind: Math.max(0, s.waiting - position),
    waiting: s.waiting,
    waitTimeKnown: waitTimeSeconds !== null,
    waitTime: waitTimeSeconds === null ? null : Math.ceil(waitTimeSeconds / 60),
    waitTimeSeconds,
    waitTimeFormatted: formatWait(waitTimeSeconds),
    queueIsFull: s.maxWaiting !== null && s.waiting >= s.maxWaiting,
    queueAll: true,
    inWaitingRoom: true,
    lastUpdated: new Date(s.readAt ?? s.at).toISOString(),
    refreshIntervalSeconds,
    chance: s.honest && (s.status === "open" || s.status === "paused") ? describeChance(chanceAt(s.honest, position)) : null,
    tiersRunningOut: Object.entries(s.choiceCutoffs ?? {}).filter(([, at]) => n >= at).map(([tier]) => tier),
  };
}
