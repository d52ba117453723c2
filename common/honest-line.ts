/**
 * The honest line: a waiting fan's chance of getting a ticket at their position, from what
 * the sale has left. The scheduling leader knows the inventory and how admitted fans behave;
 * it publishes one small estimate per event (`HonestEstimate`, in the queue-state hash as
 * `honest`), and every isolate turns it into each fan's chance without asking Redis.
 *
 * The model. Each admitted fan buys with probability b, and a buyer takes a number of seats
 * with mean m1 and mean square m2, so one fan takes on average mean = b * m1 seats with
 * variance var = b * m2 - mean^2. Before the fan at position k come n = the admitted fans
 * still deciding plus the k - 1 fans ahead; what they take is a sum of n draws, normal by the
 * central limit theorem, and the fan gets tickets when what a buyer takes (m1) is left after it:
 *
 *   P(k) = Phi((seats - n * mean - m1 + 0.5) / sqrt(n * var + n^2 * paramVar))
 *
 * where seats are the free and held ones and paramVar is the uncertainty of `mean` itself
 * (measured from few fans and orders early in a sale, so early chances say they are unsure).
 */

/** What the leader publishes. */
export interface HonestEstimate {
  /** seats neither sold nor bought yet: free and held */
  seats: number;
  /** admitted fans still to decide (they come before every waiting fan) */
  before: number;
  /** seats one fan takes, on average (buyers and non-buyers together) */
  mean: number;
  /** seats a buyer takes, on average: what the fan asking needs */
  need: number;
  /** variance of the seats one fan takes */
  var: number;
  /** uncertainty of `mean` itself, from the few orders and fans it was measured on */
  paramVar: number;
}

export interface SaleFacts {
  /** seats neither sold nor held */
  free: number;
  /** seats held now (by admitted fans who have not bought yet) */
  held: number;
  /** admitted fans who have not bought nor left yet (active sessions and unclaimed turns) */
  undecided: number;
  /** admitted fans whose turn is over: bought, left or ran out */
  decided: number;
  /** orders bought, and the seats in them, and the sum of each order's seats squared */
  orders: number;
  orderSeats: number;
  orderSeatsSquared: number;
  /** the per-order limit: what a fan may take at most */
  perOrderLimit: number;
}

/** Before a sale has its own numbers, the estimate starts from these, weighted as this many fans or orders. */
export const PRIOR = { buyShare: 0.6, weight: 5 } as const;

export function estimate(f: SaleFacts): HonestEstimate {
  const limit = Math.max(1, f.perOrderLimit);
  // a buyer's seats: the orders seen so far, pulled towards the middle of 1..limit
  const priorM1 = (1 + limit) / 2;
  const priorM2 = ((1 + limit) * (1 + 2 * limit)) / 6; // mean square of 1..limit
  const w = PRIOR.weight;
  const m1 = (f.orderSeats + w * priorM1) / (f.orders + w);
  const m2 = Math.max(m1 * m1, (f.orderSeatsSquared + w * priorM2) / (f.orders + w));
  const b = Math.min(1, Math.max(0, (f.orders + w * PRIOR.buyShare) / (f.decided + w)));
  const mean = b * m1;
  const perFan = Math.max(0, b * m2 - mean * mean);
  // uncertainty of b (a share of decided + w fans) and of m1 (a mean of orders + w)
  const varB = (b * (1 - b)) / (f.decided + w);
  const varM1 = Math.max(0, m2 - m1 * m1) / (f.orders + w);
  return { seats: f.free + f.held, before: f.undecided, mean, need: m1, var: perFan, paramVar: m1 * m1 * varB + b * b * varM1 };
}

/** Standard normal CDF (Abramowitz and Stegun 7.1.26 through erf; error below 1.5e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** The chance (0..1) that the fan at `position` (1 = next) gets a ticket. */
export function chanceAt(e: HonestEstimate, position: number): number {
  // everyone who takes seats before this fan: the admitted still deciding and the fans ahead;
  // then this fan needs as many seats as a buyer takes on average
  const n = e.before + Math.max(0, position - 1);
  const gap = e.seats - n * e.mean - e.need + 0.5;
  const variance = n * e.var + n * n * e.paramVar;
  if (variance <= 1e-9) return gap >= 0 ? 1 : 0;
  return normalCdf(gap / Math.sqrt(variance));
}

/** The first position whose chance is below `threshold` (so the line may stop there), or null when every position up to `limit` is above it. */
export function positionBelow(e: HonestEstimate, threshold: number, limit = 10_000_000): number | null {
  if (chanceAt(e, 1) < threshold) return 1;
  if (chanceAt(e, limit) >= threshold) return null;
  let lo = 1; // chance >= threshold
  let hi = limit; // chance < threshold
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (chanceAt(e, mid) >= threshold) lo = mid;
    else hi = mid;
  }
  return hi;
}

export type ChanceLabel = "very likely" | "unlikely" | "about";

/** What a fan is told: "very likely" at 90 % or more, "unlikely" at 10 % or less, else "about N %" (to the nearest 10). */
export interface Chance {
  /** 0..100, whole percent */
  percent: number;
  label: ChanceLabel;
  text: string;
}

export const VERY_LIKELY = 0.9;
export const UNLIKELY = 0.1;

export function describeChance(p: number): Chance {
  const percent = Math.round(p * 100);
  if (p >= VERY_LIKELY) return { percent, label: "very likely", text: "very likely" };
  if (p <= UNLIKELY) return { percent, label: "unlikely", text: "unlikely" };
  return { percent, label: "about", text: `about ${Math.round(p * 10) * 10} %` };
}

/** The estimate as the queue-state hash holds it (`honest`), and back; null when absent or malformed. */
export function encodeEstimate(e: HonestEstimate): string {
  return [e.seats, e.before, e.mean, e.need, e.var, e.paramVar].map((n) => Number(n.toPrecision(6))).join(",");
}

export function decodeEstimate(raw: string | null | undefined): HonestEstimate | null {
  if (!raw) return null;
  const parts = raw.split(",").map(Number);
  if (parts.length !== 6 || parts.some((n) => !Number.isFinite(n) || n < 0)) return null;
  const [seats, before, mean, need, v, paramVar] = parts as [number, number, number, number, number, number];
  return { seats, before, mean, need, var: v, paramVar };
}

/** The words the waiting page shows: "very likely (96 %)", "about 40 % (42 %)" reads badly, so the middle says its number once. */
export function chanceWords(c: Chance): string {
  return c.label === "about" ? c.text : `${c.text} (${c.percent} %)`;
}
