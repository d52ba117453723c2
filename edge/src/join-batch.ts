/**
 * The batching inside a JoinBatcher Durable Object (./join-batcher.ts): the joins of one
 * event shard arriving within JOIN_BATCH_WINDOW_MS become one joinQueue script call. A
 * Worker cannot batch its requests' Redis calls itself (a request awaiting another
 * request's I/O is cancelled), but callers of one Durable Object may wait for a batch
 * another caller started.
 *
 * At most one batch per shard is in flight, so a shard's joins reach Redis in arrival
 * order; joins arriving meanwhile form the next batch, sent as soon as the previous one
 * answers. An IP the limiter refused is refused here, without Redis, until its window
 * resets (@upstash/ratelimit's ephemeral cache does the same per isolate); joins that
 * carry a ticket still go to Redis, since they may keep a place rather than take one.
 */
import { BlockList } from "./block-list.ts";
import { config, type Env } from "./env.ts";
import { runJoinBatch, type JoinAnswer, type JoinRequest } from "./joins.ts";

interface Pending {
  request: JoinRequest;
  resolve: (outcome: JoinAnswer) => void;
  reject: (error: unknown) => void;
}

export class JoinBatch {
  private queue: Pending[] = [];
  private inFlight = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly blocked = new BlockList();
  /** batches sent and joins they carried, since this object started */
  batches = 0;
  joins = 0;

  constructor(
    private readonly env: Env,
    private readonly eventId: string,
  ) {}

  join(request: JoinRequest): Promise<JoinAnswer> {
    const until = request.heldTid === null ? this.blocked.blockedUntil(request.ip) : null;
    if (until !== null) return Promise.resolve({ kind: "rate-limited", resetAt: until });
    return new Promise<JoinAnswer>((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.schedule();
    });
  }

  private schedule() {
    if (this.inFlight) return;
    const { joinBatchMax, joinBatchWindowMs } = config(this.env);
    if (this.queue.length >= joinBatchMax) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      void this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.flush();
      }, joinBatchWindowMs);
    }
  }

  private async flush() {
    if (this.inFlight || this.queue.length === 0) return;
    const batch = this.queue.splice(0, config(this.env).joinBatchMax);
    this.inFlight = true;
    this.batches++;
    this.joins += batch.length;
    try {
      const outcomes = await runJoinBatch(this.env, this.eventId, batch.map((p) => p.request));
      batch.forEach((p, i) => {
        const outcome = outcomes[i]!;
        if (outcome.kind === "rate-limited") this.blocked.block(p.request.ip, outcome.resetAt);
        p.resolve(outcome);
      });
    } catch (e) {
      for (const p of batch) p.reject(e);
    } finally {
      this.inFlight = false;
      // joins that arrived meanwhile have waited a whole round trip already: send them now
      if (this.queue.length > 0) {
        if (this.timer) clearTimeout(this.timer);
        this.timer = null;
        void this.flush();
      }
    }
  }
}
