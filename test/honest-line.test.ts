/**
 * The honest line's chances (common/honest-line.ts) held against simulated sales
 * (test/kit/simulated-sale.ts): what a fan is told at their position is checked against
 * whether that fan then found seats, over many sales with different buy shares and orders.
 */
import { describe, expect, test } from "bun:test";
import { chanceAt, decodeEstimate, describeChance, encodeEstimate, estimate, positionBelow } from "../common/honest-line.ts";
import { simulateSale, type SaleRun } from "./kit/simulated-sale.ts";

const SALES = 120;
const BUY_SHARES = [0.3, 0.6, 0.9];

function sales(): SaleRun[] {
  const runs: SaleRun[] = [];
  for (let seed = 1; seed <= SALES; seed++) {
    runs.push(
      simulateSale({
        seats: 300,
        fans: 1000,
        perOrderLimit: 4,
        buyShare: BUY_SHARES[seed % 3]!,
        quantityWeights: seed % 2 ? [3, 4, 1, 2] : [1, 1, 1, 1],
        admitPerStep: 10,
        decideAfterSteps: 6,
        sessionSteps: 30,
        checkpoints: [0, 10, 20, 40],
        seed,
      }),
    );
  }
  return runs;
}

describe("the honest line", () => {
  const runs = sales();

  test("fans told 'very likely' found nothing at most 10 % of the time, and fans told 'unlikely' found seats at most 10 % of the time, at every point of every kind of sale", () => {
    // by the point of the sale (before any order, and later) and by the sale's true buy share
    const groups = new Map<string, { likely: number; empty: number; unlikely: number; found: number }>();
    runs.forEach((run, i) => {
      for (const p of run.predictions) {
        const key = `step ${p.step}, buy share ${BUY_SHARES[(i + 1) % 3]}`;
        const g = groups.get(key) ?? { likely: 0, empty: 0, unlikely: 0, found: 0 };
        groups.set(key, g);
        const told = describeChance(p.chance).label;
        if (told === "very likely") {
          g.likely++;
          if (!run.found[p.fan]) g.empty++;
        } else if (told === "unlikely") {
          g.unlikely++;
          if (run.found[p.fan]) g.found++;
        }
      }
    });
    let checked = 0;
    for (const [key, g] of groups) {
      if (g.likely >= 300) {
        checked++;
        expect(g.empty / g.likely, `${key}: very likely but found nothing`).toBeLessThanOrEqual(0.1);
      }
      if (g.unlikely >= 300) {
        checked++;
        expect(g.found / g.unlikely, `${key}: unlikely but found seats`).toBeLessThanOrEqual(0.1);
      }
    }
    expect(checked).toBeGreaterThanOrEqual(16);
  });

  test("once orders come in, positions at twice the true cutoff and beyond are told 'unlikely'", () => {
    let far = 0;
    let told = 0;
    for (const run of runs) {
      const point = run.points.find((p) => p.facts.orders >= 20);
      if (!point || point.trueCutoff === 0) continue;
      for (const p of run.predictions) {
        if (p.step !== point.step || p.position < 2 * point.trueCutoff) continue;
        far++;
        if (describeChance(p.chance).label === "unlikely") told++;
      }
    }
    expect(far).toBeGreaterThan(1000);
    expect(told / far).toBeGreaterThanOrEqual(0.99);
  });

  test("a fan's chance falls with the position, and the line's stopping point is where it crosses the threshold", () => {
    const e = estimate({ free: 500, held: 40, undecided: 30, decided: 200, orders: 120, orderSeats: 260, orderSeatsSquared: 700, perOrderLimit: 4 });
    let previous = 1;
    for (let k = 1; k <= 1000; k += 7) {
      const p = chanceAt(e, k);
      expect(p).toBeLessThanOrEqual(previous);
      previous = p;
    }
    const stop = positionBelow(e, 0.05)!;
    expect(chanceAt(e, stop)).toBeLessThan(0.05);
    expect(chanceAt(e, stop - 1)).toBeGreaterThanOrEqual(0.05);
    expect(positionBelow(estimate({ free: 0, held: 0, undecided: 0, decided: 10, orders: 10, orderSeats: 20, orderSeatsSquared: 40, perOrderLimit: 4 }), 0.05)).toBe(1);
  });

  test("the estimate travels through the queue state as text, and anything malformed reads as none", () => {
    const e = estimate({ free: 120, held: 8, undecided: 12, decided: 40, orders: 25, orderSeats: 55, orderSeatsSquared: 140, perOrderLimit: 6 });
    const back = decodeEstimate(encodeEstimate(e))!;
    expect(Math.abs(chanceAt(back, 40) - chanceAt(e, 40))).toBeLessThan(1e-4);
    for (const raw of [null, "", "1,2,3", "a,b,c,d,e,f", "1,2,-3,4,5,6", "1,2,3,4,5,6,7"]) expect(decodeEstimate(raw)).toBeNull();
    expect(describeChance(0.95)).toEqual({ percent: 95, label: "very likely", text: "very likely" });
    expect(describeChance(0.42)).toEqual({ percent: 42, label: "about", text: "about 40 %" });
    expect(describeChance(0.04).label).toBe("unlikely");
  });
});
