/**
 * The rate budget: a token bucket that fills at the admission rate with the time that
 * really passed between ticks (so late timers do not slow admissions down) and holds at
 * most `burstSeconds` of admissions, so a quiet spell never turns into a burst.
 */
export class RateBudget {
  private tokens = 0;
  private last: number | null = null;

  constructor(private readonly burstSeconds: number) {}

  /** Whole fans that may be admitted at `now` at `rate` fans per second. */
  available(now: number, rate: number): number {
    const cap = Math.max(1, rate * this.burstSeconds);
    if (this.last !== null && now > this.last) this.tokens = Math.min(cap, this.tokens + (rate * (now - this.last)) / 1000);
    else this.tokens = Math.min(cap, this.tokens);
    this.last = now;
    return Math.floor(this.tokens + 1e-9);
  }

  spend(fans: number): void {
    this.tokens = Math.max(0, this.tokens - fans);
  }

  /** Forgets what was saved up (while paused, or after losing the lease). */
  reset(): void {
    this.tokens = 0;
    this.last = null;
  }
}
