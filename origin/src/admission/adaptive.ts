/**
 * Adaptive admission rate (AIMD): when the purchase latency p95 passes the bound, the rate
 * is cut by a factor; while latency is healthy it creeps back by a share of the ceiling
 * per interval, never above the ceiling. After a cut, only samples taken since the cut
 * count and no other cut comes within the cooldown, so one slow spell (whose requests were
 * admitted before the cut) is not punished again and again.
 */
import type { AdaptiveConfig } from "./config.ts";

export type AdaptiveAction = "decrease" | "increase" | "hold";

export interface AdaptiveDecision {
  action: AdaptiveAction;
  rate: number;
  ceiling: number;
  p95Ms: number | null;
  samples: number;
}

export class AdaptiveRate {
  private rate: number | null = null;
  private lastDecision = -Infinity;
  private lastDecrease = -Infinity;
  /** samples before this time (ms) no longer count */
  sampleSince = -Infinity;

  constructor(private readonly config: AdaptiveConfig) {}

  /** The rate to admit at now, within the ceiling. */
  current(ceiling: number): number {
    return Math.min(this.rate ?? ceiling, ceiling);
  }

  due(now: number): boolean {
    return now - this.lastDecision >= this.config.intervalMs;
  }

  decide(now: number, ceiling: number, latency: { p95Ms: number | null; samples: number }): AdaptiveDecision {
    this.lastDecision = now;
    const current = this.current(ceiling);
    const slow = latency.p95Ms !== null && latency.samples >= this.config.minSamples && latency.p95Ms > this.config.latencyBoundMs;
    let action: AdaptiveAction = "hold";
    let next = current;
    if (slow) {
      // Requests admitted before a cut are still finishing for a while: one cut per cooldown.
      if (now - this.lastDecrease >= this.config.cooldownMs) {
        next = Math.max(ceiling * this.config.floorShare, current * this.config.decreaseFactor);
        action = next < current ? "decrease" : "hold";
        this.sampleSince = now;
        this.lastDecrease = now;
      }
    } else if (current < ceiling) {
      next = Math.min(ceiling, current + ceiling * this.config.increaseShare);
      action = "increase";
    }
    this.rate = next >= ceiling ? null : next;
    return { action, rate: next, ceiling, p95Ms: latency.p95Ms, samples: latency.samples };
  }

  reset(): void {
    this.rate = null;
    this.lastDecision = -Infinity;
    this.lastDecrease = -Infinity;
    this.sampleSince = -Infinity;
  }
}
