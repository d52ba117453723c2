/**
 * How fast an event hands out queue numbers, from the ticket counter the leader sees on
 * each tick: the peak over any one second of the last minute. A restore adds numbers above
 * the last checkpoint at this rate for the time since it (admission/restore.ts), so the
 * numbers issued after the checkpoint are never handed out again.
 */
const WINDOW_MS = 60_000;
const SPAN_MS = 1000;

export class IssueRate {
  private samples: Array<{ t: number; seq: number }> = [];

  /** The counter at time `t` (ms). */
  add(t: number, seq: number): void {
    const last = this.samples.at(-1);
    if (last && (t < last.t || seq < last.seq)) this.samples = [];
    this.samples.push({ t, seq });
    while (this.samples.length > 0 && this.samples[0]!.t < t - WINDOW_MS) this.samples.shift();
  }

  /** Peak numbers per second over spans of at least a second within the last minute (0 without two samples a second apart). */
  peak(): number {
    let best = 0;
    let j = 0;
    for (let i = 0; i < this.samples.length; i++) {
      const s = this.samples[i]!;
      while (j + 1 < i && this.samples[j + 1]!.t <= s.t - SPAN_MS) j++;
      const from = this.samples[j]!;
      const dt = s.t - from.t;
      if (dt >= SPAN_MS) best = Math.max(best, ((s.seq - from.seq) * 1000) / dt);
    }
    return best;
  }

  reset(): void {
    this.samples = [];
  }
}
