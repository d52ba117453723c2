/**
 * An event's admission settings as they live in its queue-state hash, where admins change
 * them and every origin instance (and the edge) reads them.
 */
import { EXTENSION_DEFAULTS, challengeFailure, challengeMode, deviceBinding, isQueueStatus, positiveNumber as positive, queueingStatusCode, type ChallengeFailure, type ChallengeMode, type DeviceBinding, type QueueingStatusCode, type QueueStatus, identityMode, type IdentityMode } from "../../../common/queue-state.ts";
import type { SchedulerConfig } from "./config.ts";

export interface QueueSettings {
  status: QueueStatus;
  /** when a pre-queue opens (ms) */
  opensAt: number | null;
  /** fans per second set by hand; null = derived from the measured capacity */
  rate: number | null;
  maxActive: number;
  sessionSeconds: number;
  claimSeconds: number;
  adaptive: boolean;
  maxWaiting: number | null;
  /** percent: no new place where the chance of tickets would be below it; null = never */
  minChance: number | null;
  challenge: ChallengeMode;
  challengeFailure: ChallengeFailure;
  /** a waiting fan not seen this long has left (the event's own, else PRESENCE_GRACE_SECONDS) */
  presenceGraceSeconds: number;
  /** only fans with an access code get a new place */
  inviteOnly: boolean;
  deviceBinding: DeviceBinding;
  /** what a fan proves before a new place */
  identity: IdentityMode;
  /** queue only when needed: new fans pass straight through while under both thresholds */
  standby: boolean;
  standbyNewPerMinute: number | null;
  standbyActiveSessions: number | null;
  /** whether standby lets fans straight through now; null while standby is off or not decided */
  standbyMode: "passing" | "queueing" | null;
  /** the waiting page's HTTP status for a queued fan */
  queueingStatusCode: QueueingStatusCode;
  /** seconds one extension of a claim window or a hold adds (0 = none) */
  extensionSeconds: number;
  /** extra minutes the event grants over all fans (0 = none) */
  extensionBudgetMinutes: number;
  /** extra seconds granted so far */
  extensionUsedSeconds: number;
  extensionsGranted: number;
  /** seat budgets' margin (seats over the unsold ones per tier); null = admissions count fans only */
  choiceMarginSeats: number | null;
  /** when the sale closes (ms); null = no closing time */
  closesAt: number | null;
}

/** A field's whole number when it is one at or above zero; else null. */
function wholeOrNull(raw: string | undefined): number | null {
  if (raw === undefined || raw === "") return null;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : null;
}

/** Settings from the hash; null when the event has no waiting room. */
export function parseSettings(hash: Record<string, string>, config: SchedulerConfig): QueueSettings | null {
  const status = hash.status;
  if (!isQueueStatus(status)) return null;
  return {
    status,
    opensAt: positive(hash.opensAt),
    rate: positive(hash.rate),
    maxActive: Math.floor(positive(hash.maxActive) ?? config.defaultMaxActive),
    sessionSeconds: positive(hash.sessionSeconds) ?? config.defaultSessionSeconds,
    claimSeconds: positive(hash.claimSeconds) ?? config.defaultClaimSeconds,
    adaptive: hash.adaptive === undefined || hash.adaptive === "" ? config.adaptive.enabledByDefault : hash.adaptive === "1",
    maxWaiting: positive(hash.maxWaiting),
    minChance: positive(hash.minChance),
    challenge: challengeMode(hash.challenge),
    challengeFailure: challengeFailure(hash.challengeFailure),
    presenceGraceSeconds: positive(hash.presenceGraceSeconds) ?? config.presenceGraceMs / 1000,
    inviteOnly: hash.inviteOnly === "1",
    deviceBinding: deviceBinding(hash.deviceBinding),
    identity: identityMode(hash.identity),
    standby: hash.standby === "1",
    standbyNewPerMinute: positive(hash.standbyNewPerMinute),
    standbyActiveSessions: positive(hash.standbyActiveSessions),
    standbyMode: hash.standbyMode === "passing" || hash.standbyMode === "queueing" ? hash.standbyMode : null,
    queueingStatusCode: queueingStatusCode(hash.queueingStatusCode),
    choiceMarginSeats: wholeOrNull(hash.choiceMarginSeats),
    closesAt: positive(hash.closesAt),
    ...extensionSettings(hash),
  };
}

/** The extension settings and what was granted, from the hash (the defaults where the organiser set none). */
export function extensionSettings(hash: Record<string, string | null | undefined>) {
  const whole = (v: string | null | undefined, fallback: number) => (v === undefined || v === null || v === "" || !Number.isFinite(Number(v)) ? fallback : Math.max(0, Math.floor(Number(v))));
  return {
    extensionSeconds: whole(hash.extensionSeconds, EXTENSION_DEFAULTS.seconds),
    extensionBudgetMinutes: whole(hash.extensionBudgetMinutes, EXTENSION_DEFAULTS.budgetMinutes),
    extensionUsedSeconds: whole(hash.extensionUsedSeconds, 0),
    extensionsGranted: whole(hash.extensionsGranted, 0),
  };
}

export interface Ceiling {
  /** fans per second */
  rate: number;
  source: "manual" | "capacity" | "default";
}

/** The rate admissions may not pass: set by hand, else a share of the measured capacity. */
export function ceilingRate(settings: Pick<QueueSettings, "rate">, capacityTps: number | null, config: SchedulerConfig): Ceiling {
  if (settings.rate !== null) return { rate: settings.rate, source: "manual" };
  if (capacityTps !== null && capacityTps > 0) return { rate: (capacityTps * config.capacityShare) / config.dbWorkPerFan, source: "capacity" };
  return { rate: config.defaultRate, source: "default" };
}
