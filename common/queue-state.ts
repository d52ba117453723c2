/**
 * What the edge and the origin exchange through an event's queue-state hash
 * (`cu:{<eventId>}:queue:state`): the statuses a waiting room moves through, the hash's
 * fields and who writes each, and the one parser of the fields the edge shows fans. The
 * scripts that read and write the hash (lua/) use these names; test/lua-headers.test.ts
 * checks that every field a script touches is named here.
 */

/**
 * `prequeue`: fans gather before the sale opens; their places are drawn by lot at the opening.
 * `open`: admitting. `paused`: everyone keeps their place, nobody is admitted.
 * `soldout` / `closed`: the sale is over, waiting fans are told.
 */
export const QUEUE_STATUSES = ["prequeue", "open", "paused", "soldout", "closed"] as const;
export type QueueStatus = (typeof QUEUE_STATUSES)[number];

export function isQueueStatus(raw: unknown): raw is QueueStatus {
  return typeof raw === "string" && (QUEUE_STATUSES as readonly string[]).includes(raw);
}

/**
 * A line as the edge shows it: a queue status, or `restoring` while the hash has no status
 * (Redis lost it and the origin has not written it back yet): no position is true then, so
 * none is shown.
 */
export type LineStatus = QueueStatus | "restoring";

/** A missing status is a line being restored, never an open one; a status the edge does not know reads as open. */
export function lineStatus(raw: string | null | undefined): LineStatus {
  if (raw === undefined || raw === null || raw === "") return "restoring";
  return raw !== "open" && isQueueStatus(raw) ? raw : "open";
}

/**
 * What a new place needs first, per event. `off`: nothing. `pow`: a proof-of-work the
 * edge signed and verifies offline (edge/src/challenge.ts), solved by the waiting page in a
 * Web Worker. `turnstile`: a Cloudflare Turnstile token from the widget on the page,
 * checked with siteverify at the edge (edge/src/turnstile.ts). Each solution or token buys
 * one place, once.
 */
export const CHALLENGE_MODES = ["off", "pow", "turnstile"] as const;
export type ChallengeMode = (typeof CHALLENGE_MODES)[number];

/**
 * What a join without a good solution gets. `refuse`: 403 `CHALLENGE_REQUIRED`. `infinite`: a
 * place that looks real (a ticket, a position, a stream) but is in no line: it never moves,
 * never reaches the origin and cannot be claimed.
 */
export const CHALLENGE_FAILURES = ["refuse", "infinite"] as const;
export type ChallengeFailure = (typeof CHALLENGE_FAILURES)[number];

export const challengeMode = (raw: unknown): ChallengeMode => ((CHALLENGE_MODES as readonly unknown[]).includes(raw) ? (raw as ChallengeMode) : "off");
export const challengeFailure = (raw: unknown): ChallengeFailure => (raw === "infinite" ? "infinite" : "refuse");

/** Every field of the queue-state hash, with who writes it. */
export const QUEUE_STATE_FIELDS = {
  status: "the waiting room's status (QUEUE_STATUSES); absent: no waiting room, or a lost line being restored",
  statusAt: "when the status last changed (ms)",
  opensAt: "when a pre-queue opens (ms)",
  openedAt: "when the leader opened the pre-queue (ms; openSale)",
  drawn: "fans placed by lot at the opening (openSale)",
  roomVersion: "the MySQL version of the room definition the hash holds (applyRoom, restoreLine)",
  rate: "setting: fans admitted per second at most; absent = from the measured capacity",
  maxActive: "setting: fans allowed in the purchase area at once",
  sessionSeconds: "setting: how long an admitted fan may stay (claimTurn reads it)",
  claimSeconds: "setting: how long an admitted fan has to claim",
  adaptive: "setting: 1 = back off when purchase latency rises, 0 = never",
  maxWaiting: "setting: most fans who may wait (0 or absent = no limit)",
  minChance: "setting: percent; the line takes no new place where a fan's chance of tickets would be below it (absent = never)",
  honestStop: "the first position whose chance is below minChance (the leader, from `honest`): a new place there is refused; absent = none",
  challenge: "setting: what a new place needs first (CHALLENGE_MODES; absent = off); joinQueue reads it",
  challengeFailure: "setting: what a join without a good solution gets (CHALLENGE_FAILURES; absent = refuse); joinQueue reads it",
  presenceGraceSeconds: "setting: a waiting fan not seen this long has left the line (absent = PRESENCE_GRACE_SECONDS); readQueueState and the scheduler read it",
  inviteOnly: "setting: 1 = only fans who bring an access code get a new place (joinQueue); absent = anyone",
  deviceBinding: "setting: off | optional | required: whether places and sessions are bound to a key the fan's device keeps (absent = off)",
  identity: "setting: off | email | passkey | either: what a fan proves before a new place (IDENTITY_MODES; absent = off); joinQueue reads it",
  standby: "setting: 1 = queue only when needed: new fans pass straight through while traffic is under both thresholds (joinQueue); absent = always queue",
  standbyNewPerMinute: "setting: standby's threshold of new places per minute (passed or queued)",
  standbyActiveSessions: "setting: standby's threshold of live sessions plus unclaimed admissions",
  queueingStatusCode: "setting: the HTTP status the waiting page answers a queued fan with (QUEUEING_STATUS_CODES; absent = 200)",
  extensionSeconds: "setting: seconds one extension adds to a claim window or a hold, once per ticket and per hold (extendClaim, extendHold); 0 = none; absent = EXTENSION_DEFAULTS",
  extensionBudgetMinutes: "setting: extra minutes the event grants over all fans' extensions; 0 = none; absent = EXTENSION_DEFAULTS",
  extensionUsedSeconds: "extra seconds granted so far (extendClaim, extendHold): the budget left is extensionBudgetMinutes x 60 less this",
  extensionsGranted: "extensions granted so far (extendClaim, extendHold)",
  choiceMarginSeats: "setting: seat budgets' margin: the leader admits so that declared seats of admitted fans who have not finished stay within each tier's unsold seats plus it (absent = count fans only)",
  choiceCutoffs: "the leader's seat budgets: JSON tier -> the first queue number whose declared seats ahead no longer fit the tier's unsold seats (absent = none)",
  standbyMode: "passing | queueing: whether standby lets new fans straight through now (joinQueue switches to queueing, the leader back to passing after calm); absent = not decided yet",
  standbyCalmSince: "when the leader first saw a queueing room calm (ms): it passes again after STANDBY_CALM_MS",
  standbyClaimMs: "the claim window a straight-through fan gets (ms; the leader writes the event's claimSeconds)",
  standbyMinute: "the minute (ms / 60000) standbyNew counts (joinQueue)",
  standbyNew: "new places in standbyMinute, passed or queued (joinQueue)",
  standbyNewBefore: "new places in the minute before standbyMinute (joinQueue)",
  passedTotal: "fans standby let straight through so far (joinQueue)",
  eventName: "what the waiting room page shows: the event's name",
  venue: "what the waiting room page shows: the venue",
  startsAt: "what the waiting room page shows: when the event starts (ms)",
  closesAt: "setting: when the sale closes (ms): the leader closes it then and counts a seat held past it as gone (honest line); the waiting page shows it (readQueueState); absent = no closing time",
  admitRate: "admissions per second over the last minute, for fans' wait estimates (admitFans)",
  targetRate: "the rate the scheduler aims for (below the ceiling while adaptive mode backs off)",
  ceilingRate: "the rate admissions may not pass",
  rateSource: "where the ceiling comes from: manual | capacity | default",
  admittedTotal: "fans admitted so far (admitFans)",
  abandonedTotal: "tickets dropped at the head because their fans had left (admitFans)",
  claimExpiredTotal: "admissions whose claim window passed (admitFans)",
  vouchedRun: "the Redis run id the leader last checked against MySQL (lua/includes/vouchRun.lua)",
  ahead: "the highest number a fan's ticket showed beyond the counter: Redis went back in time",
  restoredAt: "when the line was last rebuilt after Redis lost it (ms; restoreLine)",
  restoreKind: "full | partial: the last restore's kind",
  restores: "restores of this line so far",
  lostTotal: "queue numbers the restores found without their ticket",
  replacedTotal: "fans put back at their own number since (joinQueue, touchTicket)",
  waitlistRun: "the Redis run id the leader last checked the waiting list against MySQL on (restoreWaitlist); joinWaitlist takes no entry on another run",
  honest: "the leader's estimate of what the sale has left (common/honest-line.ts), from which each waiting fan's chance is told",
} as const;
export type QueueStateField = keyof typeof QUEUE_STATE_FIELDS;

/**
 * Accessible timing (WCAG 2.2.1 Timing Adjustable): a fan who needs more time asks once per
 * claim window and once per hold, and gets `seconds` more, while the event's budget of
 * `budgetMinutes` over all fans lasts (so a sale's throughput holds). The defaults of an
 * event whose organiser set neither; both sides pass them to the scripts.
 */
export const EXTENSION_DEFAULTS = { seconds: 120, budgetMinutes: 60 } as const;

/**
 * Whether an event's places and sessions are bound to a key pair the fan's device keeps
 * (a DPoP-style proof on every claim and /api call, edge/src/dpop.ts). `off`: nothing is
 * bound; `optional`: a join with a proof is bound, one without stays unbound; `required`:
 * a join or claim without a bound key is refused. A bound ticket or token always needs its
 * proof, whatever the setting says now.
 */
export const DEVICE_BINDINGS = ["off", "optional", "required"] as const;
export type DeviceBinding = (typeof DEVICE_BINDINGS)[number];

/** The hash's deviceBinding field; absent or unknown reads as off. */
export function deviceBinding(raw: unknown): DeviceBinding {
  return raw === "optional" || raw === "required" ? raw : "off";
}

/**
 * What a fan proves before a new place, per event (docs/IDENTITY.md). `off`: nothing;
 * `email`: a one-time code sent to an address; `passkey`: a WebAuthn passkey; `either`: one of
 * the two. The identity is bound into the ticket and the session (the customer of the
 * per-customer limit), and one identity holds at most one place in the event's line.
 */
export const IDENTITY_MODES = ["off", "email", "passkey", "either"] as const;
export type IdentityMode = (typeof IDENTITY_MODES)[number];

/** The hash's identity field; absent or unknown reads as off. */
export function identityMode(raw: unknown): IdentityMode {
  return raw === "email" || raw === "passkey" || raw === "either" ? raw : "off";
}

/**
 * The HTTP status the waiting page answers a queued fan with (Cloudflare's
 * `queueing_status_code`): 200 for browsers, 202 or 429 for clients and crawlers that
 * read the status rather than the page.
 */
export const QUEUEING_STATUS_CODES = [200, 202, 429] as const;
export type QueueingStatusCode = (typeof QUEUEING_STATUS_CODES)[number];

/** The hash's queueingStatusCode field; absent or unknown reads as 200. */
export function queueingStatusCode(raw: unknown): QueueingStatusCode {
  const n = Number(raw);
  return n === 202 || n === 429 ? n : 200;
}

/** A field's number when it is a positive one; absent, empty, zero or not a number: null. */
export function positiveNumber(raw: unknown): number | null {
  if (raw === undefined || raw === null || raw === "") return null;
  const n = Number(raw);
  return Number.isFinite(n) && n > 0 ? n : null;
}

/** What the edge shows fans of a line, as the origin and the scheduler wrote it into the hash. */
export interface Announced {
  status: LineStatus;
  /** admissions per second the scheduler announces, if any */
  admitRate: number | null;
  maxWaiting: number | null;
  /** when the sale opens (ms), if set */
  opensAt: number | null;
  /** when the sale closes (ms), the organiser's closing time, if set */
  closesAt: number | null;
  /** what the waiting room shows about the event, when the origin wrote it */
  about: { name: string; venue: string; startsAt: number | null } | null;
}

type AnnouncedFields = Partial<Record<"status" | "admitRate" | "maxWaiting" | "opensAt" | "closesAt" | "eventName" | "venue" | "startsAt", unknown>>;

/** The one reading of the announced fields, as a script's reply or HGETALL gives them (text; "" or absent when unset). */
export function parseAnnounced(f: AnnouncedFields): Announced {
  return {
    status: lineStatus(typeof f.status === "string" ? f.status : ""),
    admitRate: positiveNumber(f.admitRate),
    maxWaiting: positiveNumber(f.maxWaiting),
    opensAt: positiveNumber(f.opensAt),
    closesAt: positiveNumber(f.closesAt),
    about: f.eventName ? { name: String(f.eventName), venue: String(f.venue ?? ""), startsAt: Number(f.startsAt) || null } : null,
  };
}
