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
  /** standby let the new fan straight through: admitted at once, no waiting place (detail = claim deadline) */
  PASSED: 4,
} as const;
export type JoinCode = (typeof JoinCode)[keyof typeof JoinCode];

/** WAITING also answers a ticket put back at its own number after Redis lost the line */
export const TouchCode = { UNKNOWN: 0, WAITING: 1, ADMITTED: 2, RESTORING: 3, MOVED: 4 } as const;
export type TouchCode = (typeof TouchCode)[keyof typeof TouchCode];

/** A place moving to another device (the resume link): only a waiting place moves. */
export const MoveCode = { NOT_WAITING: 0, MOVED: 1, ADMITTED: 2, RESTORING: 3, ALREADY: 4 } as const;
export type MoveCode = (typeof MoveCode)[keyof typeof MoveCode];

/** declareChoice-2.lua */
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

export const ReleaseCodeCode = { RELEASED: 0, NOT_HELD: 1 } as const;
export type ReleaseCodeCode = (typeof ReleaseCodeCode)[keyof typeof ReleaseCodeCode];

export const PublishCodeCode = { WRITTEN: 0, REMOVED: 1 } as const;
export type PublishCodeCode = (typeof PublishCodeCode)[keyof typeof PublishCodeCode];
