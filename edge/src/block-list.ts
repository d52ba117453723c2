/**
 * IPs the join limiter refused, or tickets the poll limiter refused, until their window
 * resets: what @upstash/ratelimit's ephemeral cache does for its own limiters. Kept per
 * isolate (in front of the JoinBatcher, and for polls), and per JoinBatcher (which sees
 * every isolate's joins of its shard), so a client flooding the door is answered 429
 * without a Redis call.
 */
/** Entries above which expired ones are swept on the next insert. */
const SWEEP_AT = 10_000;

export class BlockList {
  private readonly until = new Map<string, number>();

  /** when the block on `ip` ends (ms), or null when it is not blocked */
  blockedUntil(ip: string, now = Date.now()): number | null {
    const until = this.until.get(ip);
    if (until === undefined) return null;
    if (until > now) return until;
    this.until.delete(ip);
    return null;
  }

  block(ip: string, until: number) {
    if (this.until.size >= SWEEP_AT) {
      const now = Date.now();
      for (const [k, v] of this.until) if (v <= now) this.until.delete(k);
    }
    this.until.set(ip, until);
  }

  get size() {
    return this.until.size;
  }
}
