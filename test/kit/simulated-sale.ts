/**
 * A sale simulated step by step, to hold the honest line's estimate (common/honest-line.ts)
 * against what then happens: fans are admitted from the front of the line a few per step;
 * an admitted fan holds the seats they want (as many as are free, or, when none are, the
 * first seats let go while their session lasts), and a few steps later buys them (with the
 * sale's true buy share) or lets them go. At chosen steps the
 * estimate is made from what the leader would know then (free, held, fans still deciding,
 * fans decided, orders and their seats), and every waiting fan's chance is noted; at the end
 * each fan either found seats or did not. Seeded, so a run can be repeated.
 */
import { chanceAt, estimate, positionBelow, type HonestEstimate, type SaleFacts } from "../../common/honest-line.ts";

export interface SaleSpec {
  seats: number;
  fans: number;
  perOrderLimit: number;
  /** the true share of admitted fans who buy */
  buyShare: number;
  /** relative weight of wanting 1..perOrderLimit seats */
  quantityWeights: number[];
  admitPerStep: number;
  decideAfterSteps: number;
  /** how long an admitted fan who found no free seat keeps looking (their session) */
  sessionSteps: number;
  /** steps at which the estimate is taken */
  checkpoints: number[];
  /** also at the first step by which this share of the seats is sold (0..1) */
  soldShares?: number[];
  seed: number;
}

export interface Prediction {
  step: number;
  /** the fan's position then (1 = next) */
  position: number;
  chance: number;
  fan: number;
}

export interface SaleRun {
  predictions: Prediction[];
  /** per fan: could hold the seats they wanted (whether they bought them is their choice) */
  found: boolean[];
  /** per checkpoint: the estimate, the position where the chance falls below one half, and the true cutoff (the last position then that found seats) */
  points: Array<{
    step: number;
    estimate: HonestEstimate;
    estimatedCutoff: number | null;
    trueCutoff: number;
    /** how many of the fans waiting then found seats */
    served: number;
    facts: SaleFacts;
    soldShare: number;
  }>;
  /** the step at which the last seat was sold */
  soldOutStep: number | null;
}

/** mulberry32 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function simulateSale(spec: SaleSpec): SaleRun {
  const random = seededRandom(spec.seed);
  const totalWeight = spec.quantityWeights.reduce((a, b) => a + b, 0);
  const want = (): number => {
    let r = random() * totalWeight;
    for (let q = 1; q <= spec.quantityWeights.length; q++) {
      r -= spec.quantityWeights[q - 1]!;
      if (r <= 0) return q;
    }
    return spec.quantityWeights.length;
  };
  let free = spec.seats;
  let held = 0;
  let next = 0; // first fan still waiting
  const found = new Array<boolean>(spec.fans).fill(false);
  const deciding: Array<{ fan: number; holds: number; decideAt: number }> = [];
  /** admitted fans who found no free seat yet, oldest first */
  const looking: Array<{ fan: number; wants: number; until: number }> = [];
  let decided = 0;
  let orders = 0;
  let orderSeats = 0;
  let orderSeatsSquared = 0;
  const predictions: Prediction[] = [];
  const points: SaleRun["points"] = [];
  const pending: Array<{ step: number; estimate: HonestEstimate; estimatedCutoff: number | null; facts: SaleFacts; front: number; soldShare: number }> = [];
  const shares = [...(spec.soldShares ?? [])].sort((a, b) => a - b);
  let sold = 0;
  const checkpoints = new Set(spec.checkpoints);
  let soldOutStep: number | null = null;
  for (let step = 0; next < spec.fans || deciding.length > 0 || looking.length > 0; step++) {
    const soldShare = sold / spec.seats;
    let due = checkpoints.has(step);
    while (shares.length > 0 && soldShare >= shares[0]!) {
      shares.shift();
      due = true;
    }
    if (due && next < spec.fans) {
      const facts: SaleFacts = { free, held, undecided: deciding.length + looking.length, decided, orders, orderSeats, orderSeatsSquared, perOrderLimit: spec.perOrderLimit };
      const e = estimate(facts);
      pending.push({ step, estimate: e, estimatedCutoff: positionBelow(e, 0.5, spec.fans), facts, front: next, soldShare });
      for (let fan = next; fan < spec.fans; fan++) predictions.push({ step, position: fan - next + 1, chance: chanceAt(e, fan - next + 1), fan });
    }
    // decisions due this step
    for (let i = deciding.length - 1; i >= 0; i--) {
      const d = deciding[i]!;
      if (d.decideAt > step) continue;
      deciding.splice(i, 1);
      decided += 1;
      held -= d.holds;
      if (random() < spec.buyShare) {
        orders += 1;
        orderSeats += d.holds;
        orderSeatsSquared += d.holds * d.holds;
        sold += d.holds;
        if (free === 0 && held === 0 && soldOutStep === null) soldOutStep = step;
      } else free += d.holds;
    }
    // fans still looking take seats let go, oldest first, when all the seats they want are free;
    // a session that ran out leaves with nothing
    for (let i = 0; i < looking.length; i++) {
      const l = looking[i]!;
      if (l.until <= step) {
        looking.splice(i--, 1);
        decided += 1;
      } else if (free >= l.wants) {
        looking.splice(i--, 1);
        found[l.fan] = true;
        free -= l.wants;
        held += l.wants;
        deciding.push({ fan: l.fan, holds: l.wants, decideAt: step + spec.decideAfterSteps });
      }
    }
    // admissions: a fan holds the seats they want when that many are free, else looks for them
    for (let i = 0; i < spec.admitPerStep && next < spec.fans; i++, next++) {
      const wants = want();
      if (free < wants) {
        looking.push({ fan: next, wants, until: step + spec.sessionSteps });
        continue;
      }
      found[next] = true;
      free -= wants;
      held += wants;
      deciding.push({ fan: next, holds: wants, decideAt: step + spec.decideAfterSteps });
    }
  }
  for (const p of pending) {
    let last = 0;
    let served = 0;
    for (let fan = p.front; fan < spec.fans; fan++) {
      if (!found[fan]) continue;
      last = fan - p.front + 1;
      served++;
    }
    points.push({ step: p.step, estimate: p.estimate, estimatedCutoff: p.estimatedCutoff, trueCutoff: last, served, facts: p.facts, soldShare: p.soldShare });
  }
  return { predictions, found, points, soldOutStep };
}
