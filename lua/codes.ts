/**
 * Return codes of the seat scripts (holdSeats, releaseHold, beginPurchase,
 * completePurchase). Each of them answers `{ code, detail }`; the origin maps each code
 * to one typed error (origin/src/redis/script-errors.ts). claimPurchase has no code: it
 * answers the record already under the key, if any, and the hold's fields.
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
} as const;
export type SeatScriptCode = (typeof SeatScriptCode)[keyof typeof SeatScriptCode];

/** A script's raw answer: the code and one number whose meaning the code gives. */
export type SeatScriptReply = [code: SeatScriptCode, detail: number];
