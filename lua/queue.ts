/**
 * The waiting-line scripts: sources, the order of their KEYS, and their return codes.
 * The edge runs them through @upstash/redis; the origin's scheduler may load the same
 * sources with ioredis `defineCommand`.
 */
import type { EventKeys } from "../common/keys.ts";
import joinQueueSource from "./joinQueue-6.lua";
import touchTicketSource from "./touchTicket-3.lua";
import readQueueStateSource from "./readQueueState-7.lua";
import claimTurnSource from "./claimTurn-4.lua";

export const JoinCode = {
  JOINED: 0,
  WAITING: 1,
  ADMITTED: 2,
  NO_QUEUE: -1,
  SALE_ENDED: -2,
  QUEUE_FULL: -3,
} as const;
export type JoinCode = (typeof JoinCode)[keyof typeof JoinCode];

export const TouchCode = { UNKNOWN: 0, WAITING: 1, ADMITTED: 2 } as const;
export type TouchCode = (typeof TouchCode)[keyof typeof TouchCode];

export const ClaimCode = { CLAIMED: 0, STILL_WAITING: -1, NOT_ADMITTED: -2, CLAIM_EXPIRED: -3 } as const;
export type ClaimCode = (typeof ClaimCode)[keyof typeof ClaimCode];

export interface QueueScript {
  name: string;
  source: string;
  keys: (k: EventKeys) => string[];
}

export const queueScripts = {
  joinQueue: {
    name: "joinQueue",
    source: joinQueueSource,
    keys: (k) => [k.seq, k.queue, k.seen, k.admitted, k.queueState, k.serving],
  },
  touchTicket: {
    name: "touchTicket",
    source: touchTicketSource,
    keys: (k) => [k.queue, k.seen, k.admitted],
  },
  readQueueState: {
    name: "readQueueState",
    source: readQueueStateSource,
    keys: (k) => [k.seq, k.serving, k.queue, k.seen, k.gone, k.admitted, k.queueState],
  },
  claimTurn: {
    name: "claimTurn",
    source: claimTurnSource,
    keys: (k) => [k.admitted, k.active, k.queue, k.queueState],
  },
} satisfies Record<string, QueueScript>;
