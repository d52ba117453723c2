/**
 * Every return code of every Redis script, in one place: the first value a script
 * answers (joinQueue: one per join). Each script's header lists the codes it answers
 * (test/lua-headers.test.ts checks them against lua/registry.ts, which names the codes of
 * each script from these).
 */

/**
 * The seat scripts (holdSeats, releaseHold, beginPurchase, completePurchase) answer
 * `{ code, detail }`; the origin maps each code to one typed error
 * (origin/src/redis/script-errors.ts). claimPurchase has no code: it answers the record
 * already under the key, if any, and the hold's fields.
 */
export const SeatScriptCode = {
  OK: 0,
  SESSION_INACTIVE: -1,
  EVENT_NOT_CONFIGURED: -2,
  SEAT_LIMIT: -3,
  SEAT_SOLD: -4,
  SEAT_HELD: -5,
  HOLD_NOT_FOUND: -6,
  NOT_OWNER: -7,
  PURCHASE_IN_PROGRESS: -8,
  CUSTOMER_LIMIT: -9,
  /** holdBestSeats: every candidate group had a sold or held seat */
  NO_GROUP_FREE: -10,
} as const;
export type SeatScriptCode = (typeof SeatScriptCode)[keyof typeof SeatScriptCode];

/** A seat script's raw answer: the code and one number whose meaning the code gives. */
export type SeatScriptReply = [code: SeatScriptCode, detail: number];

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
  /** the event asks a proof-of-work first and the join had no good unspent solution; refused */
  CHALLENGE_FAILED: -6,
  /** a good solution, but easier than the join's IP needs now (it joins fast): solve a harder one */
  CHALLENGE_HARDER: -7,
  /** no good unspent solution, and the organiser sends such joins to an infinite queue */
  INFINITE: -8,
  /** the new place would be where tickets are unlikely (the leader's honestStop, from the organiser's minChance) */
  LINE_STOPPED: -9,
  /** the room is invite-only and this join brought no redeemed access code */
  INVITE_ONLY: -10,
  /** the sale asks an identity before a new place and the join brought none it takes */
  IDENTITY_REQUIRED: -11,
  /** the join's identity holds a place in this line already */
  IDENTITY_IN_LINE: -12,
  /** standby let the new fan straight through: admitted at once, no waiting place (detail = claim deadline) */
  PASSED: 4,
} as const;
export type JoinCode = (typeof JoinCode)[keyof typeof JoinCode];

/** WAITING also answers a ticket put back at its own number after Redis lost the line */
export const TouchCode = { UNKNOWN: 0, WAITING: 1, ADMITTED: 2, RESTORING: 3, MOVED: 4, RATE_LIMITED: 5 } as const;
export type TouchCode = (typeof TouchCode)[keyof typeof TouchCode];

/** A place moving to another device (the resume link): only a waiting place moves. */
export const MoveCode = { NOT_WAITING: 0, MOVED: 1, ADMITTED: 2, RESTORING: 3, ALREADY: 4 } as const;
export type MoveCode = (typeof MoveCode)[keyof typeof MoveCode];

/** declareChoice-3.lua */
export const ChoiceCode = { DECLARED: 0, NOT_WAITING: -1 } as const;
export type ChoiceCode = (typeof ChoiceCode)[keyof typeof ChoiceCode];

export const ClaimCode = { CLAIMED: 0, STILL_WAITING: -1, NOT_ADMITTED: -2, CLAIM_EXPIRED: -3, RESTORING: -4 } as const;
export type ClaimCode = (typeof ClaimCode)[keyof typeof ClaimCode];

export const StaffCode = { ADMITTED: 0, NO_QUEUE: -1, SALE_ENDED: -2 } as const;
export type StaffCode = (typeof StaffCode)[keyof typeof StaffCode];

export const AdmitCode = { OPEN: 0, HALTED: 1, NOT_LEADER: -1 } as const;
export type AdmitCode = (typeof AdmitCode)[keyof typeof AdmitCode];

export const LeaseCode = { FOLLOWER: 0, LEADER: 1 } as const;
export type LeaseCode = (typeof LeaseCode)[keyof typeof LeaseCode];

export const RenewCode = { LOST: 0, RENEWED: 1 } as const;
export type RenewCode = (typeof RenewCode)[keyof typeof RenewCode];

export const OpenSaleCode = { OPENED: 0, NOT_PREQUEUE: 1, NOT_YET: 2, NOT_LEADER: -1 } as const;
export type OpenSaleCode = (typeof OpenSaleCode)[keyof typeof OpenSaleCode];

export const StatusCode = { CHANGED: 0, UNCHANGED: 1, NO_QUEUE: -1, NOT_ALLOWED: -2 } as const;
export type StatusCode = (typeof StatusCode)[keyof typeof StatusCode];

export const ApplyRoomCode = { APPLIED: 0, STALE: 1, NO_QUEUE: -1 } as const;
export type ApplyRoomCode = (typeof ApplyRoomCode)[keyof typeof ApplyRoomCode];

export const RestoreCode = { RESTORED: 0, NOT_LEADER: -1 } as const;
export type RestoreCode = (typeof RestoreCode)[keyof typeof RestoreCode];

/** markLost: one range of a long line marked ahead of its restore */
export const MarkLostCode = { MARKED: 0, NOT_LEADER: -1, TOO_WIDE: -2 } as const;
export type MarkLostCode = (typeof MarkLostCode)[keyof typeof MarkLostCode];

/** redeemAccessCode: what became of one access code for one ticket */
export const RedeemCode = { REDEEMED: 0, ALREADY: 1, UNKNOWN: -1, USED_UP: -2, NOT_YET: -3, EXPIRED: -4, UNPUBLISHED: -5 } as const;
export type RedeemCode = (typeof RedeemCode)[keyof typeof RedeemCode];

export const SaveTurnAddressCode = { SAVED: 0, NOT_WAITING: -1 } as const;
export type SaveTurnAddressCode = (typeof SaveTurnAddressCode)[keyof typeof SaveTurnAddressCode];

export const ReleaseCodeCode = { RELEASED: 0, NOT_HELD: 1 } as const;
export type ReleaseCodeCode = (typeof ReleaseCodeCode)[keyof typeof ReleaseCodeCode];

export const PublishCodeCode = { WRITTEN: 0, REMOVED: 1 } as const;
export type PublishCodeCode = (typeof PublishCodeCode)[keyof typeof PublishCodeCode];

/** joinWaitlist: a new entry, the ticket's own entry, or why none was taken. */
export const WaitlistJoinCode = { JOINED: 0, ALREADY: 1, NOT_OPEN: -1, SALE_ENDED: -2, TOO_MANY: -3, RESTORING: -5 } as const;
export type WaitlistJoinCode = (typeof WaitlistJoinCode)[keyof typeof WaitlistJoinCode];

/** readWaitlist: where one fan's entry is. */
export const WaitlistReadCode = { WAITING: 0, OFFERED: 1, CLAIMED: 2, PASSED: 3, NOT_ON_LIST: -1 } as const;
export type WaitlistReadCode = (typeof WaitlistReadCode)[keyof typeof WaitlistReadCode];

/** offerSeats: seats held for a waiting-list entry, or why not. */
export const OfferCode = { OK: 0, NOT_LEADER: -1, NOT_WAITING: -2, EVENT_NOT_CONFIGURED: -3, NO_GROUP_FREE: -10 } as const;
export type OfferCode = (typeof OfferCode)[keyof typeof OfferCode];

/** endOffer: what became of an offer. */
export const EndOfferCode = { CLAIMED: 0, PASSED: 1, OPEN: 2, NOT_LEADER: -1, NO_OFFER: -2 } as const;
export type EndOfferCode = (typeof EndOfferCode)[keyof typeof EndOfferCode];

/** restoreWaitlist: checked against MySQL (and put back), or not the leader. */
export const RestoreWaitlistCode = { CHECKED: 0, NOT_LEADER: -1 } as const;
export type RestoreWaitlistCode = (typeof RestoreWaitlistCode)[keyof typeof RestoreWaitlistCode];
/**
 * extendClaim: one extension of an admitted fan's claim window, from the event's budget of
 * extra time (lua/includes/takeExtension.lua answers OFF and BUDGET_USED for both scripts).
 */
export const ExtendClaimCode = { EXTENDED: 0, OFF: -1, ALREADY_EXTENDED: -2, BUDGET_USED: -3, NOT_ADMITTED: -4, CLAIM_EXPIRED: -5, RESTORING: -6 } as const;
export type ExtendClaimCode = (typeof ExtendClaimCode)[keyof typeof ExtendClaimCode];

/** extendHold: one extension of a live hold, from the same budget. */
export const ExtendHoldCode = {
  EXTENDED: 0,
  OFF: -1,
  ALREADY_EXTENDED: -2,
  BUDGET_USED: -3,
  SESSION_INACTIVE: -5,
  HOLD_NOT_FOUND: -6,
  NOT_OWNER: -7,
  PURCHASE_IN_PROGRESS: -8,
  SESSION_ENDS_FIRST: -9,
} as const;
export type ExtendHoldCode = (typeof ExtendHoldCode)[keyof typeof ExtendHoldCode];
