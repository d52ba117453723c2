/**
 * The waiting-line scripts: sources, the order of their KEYS, and their return codes.
 * The edge runs them through @upstash/redis; each starts with `#!lua flags=allow-key-locking`
 * so Upstash locks only its keys (`forPlainRedis` in ./flags.ts drops the flag for plain
 * Redis: the dev bridge, the origin's tests and benches).
 */
import type { EventKeys } from "../common/keys.ts";
import { withIncludes } from "./includes.ts";
import joinQueueSource from "./joinQueue-8.lua";
import touchTicketSource from "./touchTicket-7.lua";
import readQueueStateSource from "./readQueueState-7.lua";
import claimTurnSource from "./claimTurn-5.lua";

export const JoinCode = {
  JOINED: 0,
  WAITING: 1,
  ADMITTED: 2,
  /** put back at the ticket's own number after Redis lost the line; answered to the fan as WAITING */
  REPLACED: 3,
  NO_QUEUE: -1,
  SALE_ENDED: -2,
  QUEUE_FULL: -3,
  RATE_LIMITED: -4,
  /** the line is being restored (lua/includes/lineRestoring.lua): nobody is placed */
  RESTORING: -5,
} as const;
export type JoinCode = (typeof JoinCode)[keyof typeof JoinCode];

/** WAITING also answers a ticket put back at its own number after Redis lost the line */
export const TouchCode = { UNKNOWN: 0, WAITING: 1, ADMITTED: 2, RESTORING: 3 } as const;
export type TouchCode = (typeof TouchCode)[keyof typeof TouchCode];

export const ClaimCode = { CLAIMED: 0, STILL_WAITING: -1, NOT_ADMITTED: -2, CLAIM_EXPIRED: -3, RESTORING: -4 } as const;
export type ClaimCode = (typeof ClaimCode)[keyof typeof ClaimCode];

export interface QueueScript {
  name: string;
  source: string;
  /** the fixed KEYS, in order; joinQueue takes two rate-limit buckets per client IP after them */
  keys: (k: EventKeys) => string[];
}

export const queueScripts = {
  joinQueue: {
    name: "joinQueue",
    source: withIncludes(joinQueueSource),
    keys: (k) => [k.seq, k.queue, k.seen, k.admitted, k.queueState, k.serving, k.gone, k.lost],
  },
  touchTicket: {
    name: "touchTicket",
    source: withIncludes(touchTicketSource),
    keys: (k) => [k.queue, k.seen, k.admitted, k.queueState, k.lost, k.gone, k.seq],
  },
  readQueueState: {
    name: "readQueueState",
    source: withIncludes(readQueueStateSource),
    keys: (k) => [k.seq, k.serving, k.queue, k.seen, k.gone, k.admitted, k.queueState],
  },
  claimTurn: {
    name: "claimTurn",
    source: withIncludes(claimTurnSource),
    keys: (k) => [k.admitted, k.active, k.queue, k.queueState, k.claimLog],
  },
} satisfies Record<string, QueueScript>;

/**
 * joinQueue's ARGV placing `ticketIds` as new places in this order, not rate limited: how
 * tests and benches seed a line straight into Redis (the edge passes each fan's IP).
 */
export function seedJoinArgs(now: number, ticketIds: string[]): Array<string | number> {
  return [now, 1, 60_000, ticketIds.length, ...ticketIds.flatMap((tid) => ["", 0, tid, 0])];
}
