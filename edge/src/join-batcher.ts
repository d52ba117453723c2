/**
 * JoinBatcher: the Durable Object, one per event shard (named `<eventId>/<shard>`), that
 * gathers joins into batches (./join-batch.ts). Workers call it over RPC, which costs
 * less than an HTTP round trip through fetch(). It keeps nothing in storage: a new
 * instance starts with an empty block list and nothing queued.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "./env.ts";
import { JoinBatch } from "./join-batch.ts";
import type { JoinAnswer, JoinRequest } from "./joins.ts";

export class JoinBatcher extends DurableObject<Env> {
  private batch: JoinBatch | null = null;

  /** Places one join with the next batch of `eventId`'s shard. */
  join(eventId: string, request: JoinRequest): Promise<JoinAnswer> {
    this.batch ??= new JoinBatch(this.env, eventId);
    return this.batch.join(request);
  }
}
