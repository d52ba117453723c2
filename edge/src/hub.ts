/**
 * Per-isolate fan-out of an event's queue state. All open streams and status polls of an
 * event in one isolate share one Hub; the hub reads Redis at most once per tick, whatever
 * the number of fans it serves.
 *
 * Workers forbid one request from doing I/O for another, so the hub never pushes to
 * streams and nobody awaits another request's promise: whichever request finds the
 * snapshot stale performs the read in its own context and stores plain data; the others
 * read that data on their next tick.
 *
 * A fan's declared choice is read once when their stream connects; afterwards a change
 * reaches the stream through the shared read (the choices changed since the last one) or,
 * when the fan declared it through this isolate, at once: no stream reads it per frame.
 *
 * A read that fails drops the snapshot for every stream of the isolate, not only the one
 * that made it: until a read succeeds again, every caller of the tick is told the state
 * cannot be read (SnapshotUnavailable) instead of being handed the last, stale positions,
 * and only one read per tick is tried.
 */
import { config, type Env } from "./env.ts";
import { redisScripts, runScript } from "./redis.ts";
import type { Snapshot } from "./snapshot.ts";

/** Gone numbers returned per read: exact positions for the front of a line this deep in departures. */
const GONE_LIMIT = 2000;
/** Left tickets retired per read. */
const SWEEP_LIMIT = 200;
/**
 * Present tickets refreshed per read, at most: about 1 ms of Redis. The isolate walks its
 * open streams in chunks of this size, a chunk per read, starting a new round every third
 * of the presence grace; at one read a tick this keeps PRESENCE_CHUNK x (grace / tick)
 * streams present (60,000 at a 30 s grace and 1 s ticks), far more than an isolate's
 * 128 MB can hold open.
 */
export const PRESENCE_CHUNK = 2000;
/**
 * A new presence round starts at most this long after the last one started, however long
 * the grace: with the default 5 minutes, watching fans are still marked seen as often as at
 * a 30 s grace, so `seen` stays as fresh for the scheduler and the restore as it was.
 */
const PRESENCE_ROUND_MAX_MS = 10_000;
/** A read that has not answered after this long no longer blocks the next one. */
const STUCK_MS = 5000;
/**
 * Moves are asked for from this long before the isolate's last read: the isolate that
 * moved a place stamped it with its own clock, which may be a little behind this one's.
 */
const MOVED_SLACK_MS = 10_000;
/**
 * Choices are asked for from this long before the isolate's last read (the declaring isolate
 * stamped them with its own clock): a change is handed out by this many seconds of reads,
 * so a read's cost grows with the choices changed in the last seconds, never with streams.
 */
const CHOICE_SLACK_MS = 2000;
/** Window over which the admission rate is measured when the scheduler does not announce one. */
const RATE_WINDOW_MS = 60_000;

/** The isolate's last shared read failed (Redis cannot be reached): no snapshot is true now. */
export class SnapshotUnavailable extends Error {
  constructor(cause?: unknown) {
    super("the event's queue state cannot be read", { cause });
  }
}

export class Hub {
  snapshot: Snapshot | null = null;
  /** open streams per ticket id; their presence is refreshed in the shared read */
  readonly present = new Map<string, number>();
  /** tickets whose number the serving pointer passed; the next read looks them up in `admitted` */
  readonly pendingLookups = new Set<string>();
  /** latest look-up result per ticket */
  readonly lookups = new Map<string, string>();
  /** present tickets whose place moved to another device (movePlace): their streams say so and end */
  readonly moved = new Set<string>();
  /**
   * The newest declared choice of present tickets whose fan changed it (declareChoice), as
   * stored (common/choice.ts; "" once deleted): from the shared read, or from a choice
   * declared through this isolate. Their streams show it on their next frame.
   */
  readonly choices = new Map<string, string>();
  /** when the last good read was made: the next one asks for the moves since (minus a slack) */
  private movedSince = 0;
  /** the presence grace the last read applied (the event's own, else the edge's default), ms */
  private graceMs: number | null = null;
  /** number of shared-state reads this hub made */
  reads = 0;
  private inFlightSince = 0;
  /** when the last shared read failed, 0 once one succeeded */
  private failedAt = 0;
  private lastFailure: unknown = null;
  /** the current presence round: ticket ids to refresh, and how far the reads got */
  private round: string[] = [];
  private roundAt = 0;
  private roundStartedAt = -Infinity;
  private history: Array<[number, number]> = [];

  constructor(readonly eventId: string) {}

  isFresh(maxAgeMs: number, now = Date.now()): boolean {
    return this.snapshot !== null && now - this.snapshot.at < maxAgeMs;
  }

  /**
   * Makes sure a snapshot at most `maxAgeMs` old exists, reading it in the caller's
   * context if needed; `usage.subrequests` counts the reads the caller made.
   */
  async ensureFresh(env: Env, usage: { subrequests: number } | null = null, maxAgeMs = config(env).tickMs): Promise<Snapshot> {
    const now = Date.now();
    if (this.isFresh(maxAgeMs, now)) return this.snapshot!;
    const busy = this.inFlightSince > 0 && now - this.inFlightSince < STUCK_MS;
    // a read failed within the tick, or the retry is in flight: everyone is told, nobody else reads
    if (this.failedAt > 0 && (now - this.failedAt < maxAgeMs || busy)) throw new SnapshotUnavailable(this.lastFailure);
    if (busy && this.snapshot !== null) return this.snapshot;
    if (usage) usage.subrequests++;
    await this.read(env);
    return this.snapshot!;
  }

  /** The next chunk of present tickets to refresh (a new round every third of the grace period, at most PRESENCE_ROUND_MAX_MS apart). */
  private presenceChunk(now: number, graceMs: number): string[] {
    if (this.roundAt >= this.round.length && now - this.roundStartedAt >= Math.min(graceMs / 3, PRESENCE_ROUND_MAX_MS)) {
      this.round = [...this.present.keys()];
      this.roundAt = 0;
      this.roundStartedAt = now;
    }
    const chunk = this.round.slice(this.roundAt, this.roundAt + PRESENCE_CHUNK);
    this.roundAt += chunk.length;
    return chunk;
  }

  private async read(env: Env): Promise<void> {
    const c = config(env);
    const now = Date.now();
    this.inFlightSince = now;
    const touch = this.presenceChunk(now, this.graceMs ?? c.presenceGraceMs);
    const lookups = [...this.pendingLookups];
    try {
      this.reads++;
      const { lookups: found, ...read } = await runScript(env, redisScripts.readQueueState, this.eventId, [
        now,
        c.presenceGraceMs,
        GONE_LIMIT,
        SWEEP_LIMIT,
        // the first read asks only for the last few seconds' moves: a stream opened after a move is told by its touch
        this.movedSince === 0 ? now - MOVED_SLACK_MS : this.movedSince - MOVED_SLACK_MS,
        // the first read asks for the changes since a little before any of its streams read their choice at connect
        this.movedSince === 0 ? now - MOVED_SLACK_MS : this.movedSince - CHOICE_SLACK_MS,
        touch.length,
        ...touch,
        ...lookups,
      ]);
      const results = new Map<string, string>();
      lookups.forEach((tid, i) => {
        const value = found[i] ?? "";
        results.set(tid, value);
        this.lookups.set(tid, value);
        if (value !== "w") this.pendingLookups.delete(tid);
      });
      for (const tid of read.moved) if (this.present.has(tid)) this.moved.add(tid);
      for (const [tid, choice] of read.changedChoices) this.noteChoice(tid, choice);
      this.movedSince = now;
      if (read.presenceGraceMs !== null) this.graceMs = read.presenceGraceMs;
      // fresh from when the answer came, not when it was asked (a read may wait on a Redis
      // coming back); what fans are shown as lastUpdated is Redis's own time of the read (readAt)
      const answeredAt = Date.now();
      this.snapshot = { at: answeredAt, ...read, lookups: results };
      this.failedAt = 0;
      this.lastFailure = null;
      this.recordServing(answeredAt, read.serving);
    } catch (e) {
      this.snapshot = null;
      this.failedAt = Date.now();
      this.lastFailure = e;
      throw new SnapshotUnavailable(e);
    } finally {
      this.inFlightSince = 0;
    }
  }

  private recordServing(now: number, serving: number) {
    const last = this.history[this.history.length - 1];
    if (!last || last[1] !== serving) this.history.push([now, serving]);
    while (this.history.length > 2 && now - this.history[0]![0] > RATE_WINDOW_MS) this.history.shift();
  }

  /** Admissions per second: the scheduler's announced rate, else the serving pointer's recent speed. */
  admitRate(): number | null {
    if (this.snapshot?.admitRate) return this.snapshot.admitRate;
    const first = this.history[0];
    const last = this.history[this.history.length - 1];
    if (!first || !last || !this.snapshot || last === first) return null;
    const seconds = (this.snapshot.at - first[0]) / 1000;
    return seconds > 0 && last[1] > first[1] ? (last[1] - first[1]) / seconds : null;
  }

  /** A ticket's choice changed: its open streams in this isolate show `choice` (as stored) from their next frame. */
  noteChoice(tid: string, choice: string) {
    if (this.present.has(tid)) this.choices.set(tid, choice);
  }

  open(tid: string) {
    this.present.set(tid, (this.present.get(tid) ?? 0) + 1);
  }

  close(tid: string) {
    const n = (this.present.get(tid) ?? 1) - 1;
    if (n > 0) this.present.set(tid, n);
    else {
      this.present.delete(tid);
      this.pendingLookups.delete(tid);
      this.lookups.delete(tid);
      this.moved.delete(tid);
      this.choices.delete(tid);
    }
  }
}

const hubs = new Map<string, Hub>();

export function hubFor(eventId: string): Hub {
  let hub = hubs.get(eventId);
  if (!hub) {
    hub = new Hub(eventId);
    hubs.set(eventId, hub);
  }
  return hub;
}
