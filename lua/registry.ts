/**
 * The one registry of the Redis scripts. Every script has the same shape: its name (the
 * file is `<name>-<fixed keys>.lua`), its source with the shared pieces pulled in
 * (lua/includes.ts), its fixed KEYS in the order its header lists them, built from
 * common/keys.ts only, what follows them, its return codes (lua/codes.ts) and its reply
 * decoder (lua/replies.ts). The origin runs them through ioredis
 * (origin/src/redis/scripts.ts), the edge through @upstash/redis (edge/src/redis.ts).
 * test/lua-headers.test.ts checks every entry against its file's header.
 */
import type { EventKeys } from "../common/keys.ts";
import { AdmitCode, ApplyRoomCode, ClaimCode, EndOfferCode, ExtendClaimCode, ExtendHoldCode, JoinCode, LeaseCode, MarkLostCode, MoveCode, OfferCode, OpenSaleCode, PublishCodeCode, RedeemCode, ReleaseCodeCode, RenewCode, RestoreCode, RestoreWaitlistCode, SaveTurnAddressCode, SeatScriptCode, StaffCode, StatusCode, TouchCode, WaitlistJoinCode, WaitlistReadCode, ChoiceCode } from "./codes.ts";
import { withIncludes } from "./includes.ts";
import * as reply from "./replies.ts";
import acquireLease from "./acquireLease-2.lua";
import admitFans from "./admitFans-12.lua";
import admitStaff from "./admitStaff-3.lua";
import applyRoom from "./applyRoom-1.lua";
import beginPurchase from "./beginPurchase-4.lua";
import claimPurchase from "./claimPurchase-2.lua";
import claimTurn from "./claimTurn-6.lua";
import declareChoice from "./declareChoice-3.lua";
import completePurchase from "./completePurchase-6.lua";
import extendClaim from "./extendClaim-3.lua";
import extendHold from "./extendHold-5.lua";
import holdBestSeats from "./holdBestSeats-6.lua";
import holdSeats from "./holdSeats-6.lua";
import swapSeats from "./swapSeats-6.lua";
import joinQueue from "./joinQueue-11.lua";
import markLost from "./markLost-4.lua";
import movePlace from "./movePlace-6.lua";
import openSale from "./openSale-3.lua";
import publishAccessCode from "./publishAccessCode-1.lua";
import redeemAccessCode from "./redeemAccessCode-3.lua";
import releaseAccessCode from "./releaseAccessCode-2.lua";
import readQueueState from "./readQueueState-10.lua";
import releaseHold from "./releaseHold-4.lua";
import renewLease from "./renewLease-1.lua";
import restoreLine from "./restoreLine-10.lua";
import saveTurnAddress from "./saveTurnAddress-2.lua";
import setQueueStatus from "./setQueueStatus-1.lua";
import takeTurnAddresses from "./takeTurnAddresses-1.lua";
import touchTicket from "./touchTicket-9.lua";
import joinWaitlist from "./joinWaitlist-5.lua";
import readWaitlist from "./readWaitlist-4.lua";
import offerSeats from "./offerSeats-9.lua";
import endOffer from "./endOffer-7.lua";
import restoreWaitlist from "./restoreWaitlist-6.lua";

export interface RedisScript<Reply = unknown, Ids = void> {
  name: string;
  /**
   * What Redis runs. Queue scripts start with `#!lua flags=allow-key-locking`, which only
   * Upstash knows: plain Redis gets `forPlainRedis(source)` (lua/flags.ts).
   */
  source: string;
  /** the fixed KEYS, in order; `ids` names the hold, session or record a seat script is about */
  keys: (k: EventKeys, ids: Ids) => string[];
  /** KEYS after the fixed ones, in the order of the ARGV that name them; none when absent */
  moreKeys?: "seat keys" | "rate-limit buckets";
  /** the codes the script answers first (every reply value for joinQueue's joins); {} when it answers data only */
  codes: Readonly<Record<string, number>>;
  decode: (raw: unknown) => Reply;
}

/** The access code (by its hash, common/access.ts) an access-code script acts on. */
export interface CodeIds {
  codeHash: string;
}

/** The session, hold and customer a seat script acts on. */
export interface HoldIds {
  sessionId: string;
  holdId: string;
  /** whose per-customer count the seats are in: the identity's hash, or the session id without one */
  customerId: string;
}

/** Part of a code table: the codes one script answers. */
function only<T extends Record<string, number>, K extends keyof T>(codes: T, ...names: K[]): Pick<T, K> {
  return Object.fromEntries(names.map((n) => [n, codes[n]])) as Pick<T, K>;
}

function script<Reply, Ids = void>(name: string, file: string, spec: Omit<RedisScript<Reply, Ids>, "name" | "source">): RedisScript<Reply, Ids> {
  return { name, source: withIncludes(file), ...spec };
}

export const redisScripts = {
  // seats and purchases: the origin, per request
  holdSeats: script("holdSeats", holdSeats, {
    keys: (k, a: HoldIds) => [k.active, k.config, k.sold, k.sessionSeats(a.sessionId), k.hold(a.holdId), k.customerSeats(a.customerId)],
    moreKeys: "seat keys",
    codes: only(SeatScriptCode, "OK", "SESSION_INACTIVE", "EVENT_NOT_CONFIGURED", "SEAT_LIMIT", "SEAT_SOLD", "SEAT_HELD", "CUSTOMER_LIMIT"),
    decode: reply.decodeSeatReply,
  }),
  holdBestSeats: script("holdBestSeats", holdBestSeats, {
    keys: (k, a: HoldIds) => [k.active, k.config, k.sold, k.sessionSeats(a.sessionId), k.hold(a.holdId), k.customerSeats(a.customerId)],
    moreKeys: "seat keys",
    codes: only(SeatScriptCode, "OK", "SESSION_INACTIVE", "EVENT_NOT_CONFIGURED", "SEAT_LIMIT", "CUSTOMER_LIMIT", "NO_GROUP_FREE"),
    decode: reply.decodeBestSeatsReply,
  }),
  swapSeats: script("swapSeats", swapSeats, {
    keys: (k, a: HoldIds) => [k.active, k.config, k.sold, k.sessionSeats(a.sessionId), k.hold(a.holdId), k.customerSeats(a.customerId)],
    moreKeys: "seat keys",
    codes: only(SeatScriptCode, "OK", "SESSION_INACTIVE", "EVENT_NOT_CONFIGURED", "SEAT_LIMIT", "SEAT_SOLD", "SEAT_HELD", "HOLD_NOT_FOUND", "NOT_OWNER", "PURCHASE_IN_PROGRESS", "CUSTOMER_LIMIT"),
    decode: reply.decodeSeatReply,
  }),
  releaseHold: script("releaseHold", releaseHold, {
    keys: (k, a: HoldIds) => [k.hold(a.holdId), k.sessionSeats(a.sessionId), k.active, k.customerSeats(a.customerId)],
    moreKeys: "seat keys",
    codes: only(SeatScriptCode, "OK", "SESSION_INACTIVE", "HOLD_NOT_FOUND", "NOT_OWNER", "PURCHASE_IN_PROGRESS"),
    decode: reply.decodeSeatReply,
  }),
  beginPurchase: script("beginPurchase", beginPurchase, {
    keys: (k, a: HoldIds) => [k.active, k.hold(a.holdId), k.sessionSeats(a.sessionId), k.customerSeats(a.customerId)],
    moreKeys: "seat keys",
    codes: only(SeatScriptCode, "OK", "SESSION_INACTIVE", "HOLD_NOT_FOUND", "NOT_OWNER", "PURCHASE_IN_PROGRESS"),
    decode: reply.decodeSeatReply,
  }),
  completePurchase: script("completePurchase", completePurchase, {
    /** `idempotencyKey`: the record's Redis key (k.idempotency) */
    keys: (k, a: HoldIds & { idempotencyKey: string }) => [k.sold, k.hold(a.holdId), k.sessionSeats(a.sessionId), k.active, a.idempotencyKey, k.customerSeats(a.customerId)],
    moreKeys: "seat keys",
    codes: only(SeatScriptCode, "OK"),
    decode: reply.decodeSeatReply,
  }),
  extendHold: script("extendHold", extendHold, {
    keys: (k, a: HoldIds) => [k.active, k.hold(a.holdId), k.sessionSeats(a.sessionId), k.customerSeats(a.customerId), k.queueState],
    moreKeys: "seat keys",
    codes: ExtendHoldCode,
    decode: (raw) => reply.decodeExtend<ExtendHoldCode>(raw),
  }),
  claimPurchase: script("claimPurchase", claimPurchase, {
    keys: (k, a: { holdId: string; idempotencyKey: string }) => [a.idempotencyKey, k.hold(a.holdId)],
    codes: {},
    decode: reply.decodePurchaseClaim,
  }),

  // the waiting line: the edge, per fan and per isolate tick
  joinQueue: script("joinQueue", joinQueue, {
    keys: (k) => [k.seq, k.queue, k.seen, k.admitted, k.queueState, k.serving, k.gone, k.lost, k.challengeUsed, k.active, k.identities],
    moreKeys: "rate-limit buckets",
    codes: JoinCode,
    decode: reply.decodeJoin,
  }),
  touchTicket: script("touchTicket", touchTicket, {
    keys: (k) => [k.queue, k.seen, k.admitted, k.queueState, k.lost, k.gone, k.seq, k.moved, k.choices],
    moreKeys: "rate-limit buckets",
    codes: TouchCode,
    decode: reply.decodeTouch,
  }),
  readQueueState: script("readQueueState", readQueueState, {
    keys: (k) => [k.seq, k.serving, k.queue, k.seen, k.gone, k.admitted, k.queueState, k.moved, k.choices, k.choiceChanges],
    codes: {},
    decode: reply.decodeLineRead,
  }),
  movePlace: script("movePlace", movePlace, {
    keys: (k) => [k.queue, k.seen, k.admitted, k.queueState, k.moved, k.identities],
    codes: MoveCode,
    decode: reply.decodeMove,
  }),
  declareChoice: script("declareChoice", declareChoice, {
    keys: (k) => [k.queue, k.choices, k.choiceChanges],
    codes: ChoiceCode,
    decode: reply.decodeChoice,
  }),
  claimTurn: script("claimTurn", claimTurn, {
    keys: (k) => [k.admitted, k.active, k.queue, k.queueState, k.claimLog, k.choices],
    codes: ClaimCode,
    decode: reply.decodeClaim,
  }),

  // the waiting list after sell-out: joined and read by the edge, offered and settled by the leader
  joinWaitlist: script("joinWaitlist", joinWaitlist, {
    keys: (k) => [k.queueState, k.waitlist, k.waitlistSeq, k.waitlistAsks, k.config],
    codes: WaitlistJoinCode,
    decode: reply.decodeWaitlistJoin,
  }),
  readWaitlist: script("readWaitlist", readWaitlist, {
    keys: (k) => [k.waitlist, k.waitlistAsks, k.waitlistOffers, k.queueState],
    codes: WaitlistReadCode,
    decode: reply.decodeWaitlistRead,
  }),
  offerSeats: script("offerSeats", offerSeats, {
    keys: (k, a: HoldIds) => [k.schedulerLease, k.waitlist, k.waitlistOffers, k.admitted, k.config, k.sold, k.sessionSeats(a.sessionId), k.hold(a.holdId), k.customerSeats(a.customerId)],
    moreKeys: "seat keys",
    codes: OfferCode,
    decode: reply.decodeOffer,
  }),
  endOffer: script("endOffer", endOffer, {
    keys: (k, a: HoldIds) => [k.schedulerLease, k.waitlistOffers, k.admitted, k.active, k.hold(a.holdId), k.sessionSeats(a.sessionId), k.customerSeats(a.customerId)],
    moreKeys: "seat keys",
    codes: EndOfferCode,
    decode: reply.decodeEndOffer,
  }),
  restoreWaitlist: script("restoreWaitlist", restoreWaitlist, {
    keys: (k) => [k.schedulerLease, k.queueState, k.waitlist, k.waitlistSeq, k.waitlistAsks, k.waitlistOffers],
    codes: RestoreWaitlistCode,
    decode: reply.decodeRestoreWaitlist,
  }),
  extendClaim: script("extendClaim", extendClaim, {
    keys: (k) => [k.admitted, k.queueState, k.claimExtensions],
    codes: ExtendClaimCode,
    decode: (raw) => reply.decodeExtend<ExtendClaimCode>(raw),
  }),

  // access codes: redeemed by the edge at join, written and given back by the origin
  redeemAccessCode: script("redeemAccessCode", redeemAccessCode, {
    keys: (k, a: CodeIds) => [k.accessCode(a.codeHash), k.accessCodeTickets, k.accessCodesPublished],
    codes: RedeemCode,
    decode: reply.decodeRedeem,
  }),
  releaseAccessCode: script("releaseAccessCode", releaseAccessCode, {
    keys: (k, a: CodeIds) => [k.accessCode(a.codeHash), k.accessCodeTickets],
    codes: ReleaseCodeCode,
    decode: reply.decodeReleaseCode,
  }),
  // the turn email: the edge keeps the address with the place, the leader takes it as it mails
  saveTurnAddress: script("saveTurnAddress", saveTurnAddress, {
    keys: (k) => [k.queue, k.turnMail],
    codes: SaveTurnAddressCode,
    decode: reply.decodeSaveTurnAddress,
  }),
  takeTurnAddresses: script("takeTurnAddresses", takeTurnAddresses, { keys: (k) => [k.turnMail], codes: {}, decode: reply.decodeTurnMails }),
  admitStaff: script("admitStaff", admitStaff, {
    keys: (k) => [k.queueState, k.active, k.staff],
    codes: StaffCode,
    decode: reply.decodeStaff,
  }),
  publishAccessCode: script("publishAccessCode", publishAccessCode, {
    keys: (k, a: CodeIds) => [k.accessCode(a.codeHash)],
    codes: PublishCodeCode,
    decode: reply.decodePublishCode,
  }),

  // admission: the origin's scheduling leader and admin controls
  admitFans: script("admitFans", admitFans, {
    keys: (k) => [k.schedulerLease, k.queueState, k.queue, k.seen, k.admitted, k.active, k.serving, k.gone, k.admits, k.seq, k.staff, k.choices],
    codes: AdmitCode,
    decode: reply.decodeAdmit,
  }),
  acquireLease: script("acquireLease", acquireLease, {
    keys: (k) => [k.schedulerLease, k.schedulerEpoch],
    codes: LeaseCode,
    decode: reply.decodeLease,
  }),
  renewLease: script("renewLease", renewLease, { keys: (k) => [k.schedulerLease], codes: RenewCode, decode: reply.decodeRenew }),
  openSale: script("openSale", openSale, {
    keys: (k) => [k.schedulerLease, k.queueState, k.queue],
    codes: OpenSaleCode,
    decode: reply.decodeOpenSale,
  }),
  setQueueStatus: script("setQueueStatus", setQueueStatus, { keys: (k) => [k.queueState], codes: StatusCode, decode: reply.decodeStatusChange }),
  applyRoom: script("applyRoom", applyRoom, { keys: (k) => [k.queueState], codes: ApplyRoomCode, decode: reply.decodeApplyRoom }),
  markLost: script("markLost", markLost, {
    keys: (k) => [k.schedulerLease, k.queue, k.gone, k.lost],
    codes: MarkLostCode,
    decode: reply.decodeMarkLost,
  }),
  restoreLine: script("restoreLine", restoreLine, {
    keys: (k) => [k.schedulerLease, k.queueState, k.seq, k.serving, k.queue, k.seen, k.admitted, k.active, k.gone, k.lost],
    codes: RestoreCode,
    decode: reply.decodeRestore,
  }),
};

export type RedisScriptName = keyof typeof redisScripts;
/** Every script, for whatever loads or checks them all. */
export const allScripts: ReadonlyArray<RedisScript<unknown, never>> = Object.values(redisScripts) as ReadonlyArray<RedisScript<unknown, never>>;

/**
 * joinQueue's ARGV placing `ticketIds` as new places in this order, not rate limited: how
 * tests and benches seed a line straight into Redis (the edge passes each fan's IP).
 */
export function seedJoinArgs(now: number, ticketIds: string[]): Array<string | number> {
  return [now, 1, 60_000, ticketIds.length, 0, 0, 0, 0, ...ticketIds.flatMap((tid) => ["", 0, tid, 0, "", 0, ""])];
}
