/**
 * Registry of the seat scripts the origin loads with ioredis `defineCommand`.
 * `numberOfKeys` is the count of fixed keys at the front of KEYS; every script but
 * claimPurchase then takes one seat key per seat, so the origin passes the total key count
 * on each call. The file name of each script carries its fixed key count
 * (`holdSeats-5.lua`).
 */
import { withIncludes } from "./includes.ts";
import holdSeats from "./holdSeats-5.lua";
import releaseHold from "./releaseHold-3.lua";
import beginPurchase from "./beginPurchase-3.lua";
import completePurchase from "./completePurchase-5.lua";
import claimPurchase from "./claimPurchase-2.lua";

export interface SeatScript {
  name: string;
  /** fixed keys before the per-seat keys */
  numberOfKeys: number;
  source: string;
}

export const seatScripts = {
  holdSeats: { name: "holdSeats", numberOfKeys: 5, source: withIncludes(holdSeats) },
  releaseHold: { name: "releaseHold", numberOfKeys: 3, source: withIncludes(releaseHold) },
  beginPurchase: { name: "beginPurchase", numberOfKeys: 3, source: withIncludes(beginPurchase) },
  completePurchase: { name: "completePurchase", numberOfKeys: 5, source: withIncludes(completePurchase) },
  /** answers `{ previous, sid, seats, expiresAt }`, not `{ code, detail }` */
  claimPurchase: { name: "claimPurchase", numberOfKeys: 2, source: claimPurchase },
} as const satisfies Record<string, SeatScript>;

export type SeatScriptName = keyof typeof seatScripts;

export { SeatScriptCode, type SeatScriptReply } from "./codes.ts";
export { queueScripts } from "./queue.ts";
export { admissionScripts, AdmitCode, ApplyRoomCode, LeaseCode, OpenSaleCode, RestoreCode, StatusCode } from "./admission.ts";
