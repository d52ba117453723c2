/**
 * The admission scripts the origin's scheduler and admin controls run: sources, the order
 * of their KEYS, and their return codes. Loaded once with ioredis `defineCommand`
 * (origin/src/admission/scripts.ts).
 */
import type { EventKeys } from "../common/keys.ts";
import admitFansSource from "./admitFans-10.lua";
import acquireLeaseSource from "./acquireLease-2.lua";
import renewLeaseSource from "./renewLease-1.lua";
import openSaleSource from "./openSale-3.lua";
import setQueueStatusSource from "./setQueueStatus-1.lua";
import applyRoomSource from "./applyRoom-1.lua";
import restoreLineSource from "./restoreLine-10.lua";

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

export interface AdmissionScript {
  name: string;
  numberOfKeys: number;
  source: string;
  keys: (k: EventKeys) => string[];
}

export const admissionScripts = {
  admitFans: {
    name: "admitFans",
    numberOfKeys: 10,
    source: admitFansSource,
    keys: (k) => [k.schedulerLease, k.queueState, k.queue, k.seen, k.admitted, k.active, k.serving, k.gone, k.admits, k.seq],
  },
  acquireLease: {
    name: "acquireLease",
    numberOfKeys: 2,
    source: acquireLeaseSource,
    keys: (k) => [k.schedulerLease, k.schedulerEpoch],
  },
  renewLease: { name: "renewLease", numberOfKeys: 1, source: renewLeaseSource, keys: (k) => [k.schedulerLease] },
  openSale: {
    name: "openSale",
    numberOfKeys: 3,
    source: openSaleSource,
    keys: (k) => [k.schedulerLease, k.queueState, k.queue],
  },
  setQueueStatus: { name: "setQueueStatus", numberOfKeys: 1, source: setQueueStatusSource, keys: (k) => [k.queueState] },
  applyRoom: { name: "applyRoom", numberOfKeys: 1, source: applyRoomSource, keys: (k) => [k.queueState] },
  restoreLine: {
    name: "restoreLine",
    numberOfKeys: 10,
    source: restoreLineSource,
    keys: (k) => [k.schedulerLease, k.queueState, k.seq, k.serving, k.queue, k.seen, k.admitted, k.active, k.gone, k.lost],
  },
} satisfies Record<string, AdmissionScript>;

export type AdmissionScriptName = keyof typeof admissionScripts;
