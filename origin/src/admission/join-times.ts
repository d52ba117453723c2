/**
 * When each queue number was handed out, learnt without costing the join anything: the
 * leader sees the ticket counter on every tick, so a number first reached between two ticks
 * was issued in that interval, and its time is the later tick's (one tick's resolution,
 * ADMISSION_TICK_MS). Time in line is then admission minus this, recorded with each
 * admission (durable.ts). Numbers the counter reached before this leader watched it (a
 * leader that took over mid-sale) have no time here; the report estimates them from the
 * sale's samples.
 */
/** at most this many counter steps are kept per event (a tick's worth each) */
const MAX_STEPS = 200_000;

export class JoinTimes {
  private steps: Array<{ t: number; seq: number }> = [];

  /** The counter at tick `t` (ms); only steps up are kept. */
  add(t: number, seq: number): void {
    const last = this.steps.at(-1);
    if (last && (t < last.t || seq < last.seq)) this.steps = [];
    else if (last && seq === last.seq) return;
    this.steps.push({ t, seq });
    if (this.steps.length > MAX_STEPS) this.steps.splice(0, this.steps.length - MAX_STEPS);
  }

  /** The tick by which `number` had been handed out, or null when it was reached before the first step kept. */
  at(number: number): number | null {
    const s = this.steps;
    if (s.length === 0 || number <= s[0]!.seq) return null;
    let lo = 1;
    let hi = s.length - 1;
    if (number > s[hi]!.seq) return null;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid]!.seq >= number) hi = mid;
      else lo = mid + 1;
    }
    return s[lo]!.t;
  }

  /** Numbers at or below `serving` are never admitted again: their steps can go (one is kept below the rest). */
  prune(serving: number): void {
    let drop = 0;
    while (drop + 1 < this.steps.length && this.steps[drop + 1]!.seq <= serving) drop++;
    if (drop > 0) this.steps.splice(0, drop);
  }

  reset(): void {
    this.steps = [];
  }
}
