import { Elysia, t } from "elysia";
import { CHALLENGE_FAILURES, EXTENSION_DEFAULTS, CHALLENGE_MODES, DEVICE_BINDINGS, QUEUEING_STATUS_CODES, QUEUE_STATUSES, IDENTITY_MODES } from "../../../../common/queue-state.ts";
import { eventIdSchema, integer } from "../shared/model.ts";

/** One literal schema per value, as a tuple, so the route types keep each value. */
function literals<const T extends readonly string[]>(values: T) {
  return values.map((v) => t.Literal(v)) as unknown as { -readonly [I in keyof T]: ReturnType<typeof t.Literal<T[I] & string>> };
}

const status = t.Union(literals(QUEUE_STATUSES), {
  description: "prequeue: fans gather before the opening and are placed by lot when it comes; open: admitting; paused: everyone keeps their place, nobody is admitted; soldout / closed: the sale is over, waiting fans are told",
});

const rate = t.Number({ exclusiveMinimum: 0, maximum: 100_000, description: "fans admitted per second at most" });
const maxActive = integer({ minimum: 1, maximum: 10_000_000, description: "fans allowed in the purchase area at once (live sessions + unclaimed admissions)" });
const sessionSeconds = integer({ minimum: 10, maximum: 86_400, description: "how long an admitted fan may stay in the purchase area; shortening it also cuts current sessions" });
const claimSeconds = integer({ minimum: 5, maximum: 3600, description: "how long an admitted fan has to claim their turn before the slot is reclaimed" });
const adaptive = t.Boolean({ description: "back off when purchase latency rises and creep back when healthy, never above the rate" });
const maxWaiting = integer({ minimum: 0, maximum: 100_000_000, description: "most fans who may wait (0 = no limit)" });
const minChance = integer({ minimum: 1, maximum: 50, description: "percent: the line takes no new place where a fan's chance of tickets would be below it (the honest line); left out or null = never stops" });
const challenge = t.Union(literals(CHALLENGE_MODES), {
  description: "what a new place needs first: off; pow (a proof-of-work the waiting page solves by itself in a Web Worker; apps get it from GET /queue/{eventId}/challenge at the edge); or turnstile (the Cloudflare Turnstile widget on the waiting page, its token checked at the edge)",
});
const challengeFailure = t.Union(literals(CHALLENGE_FAILURES), {
  description: "what a join without a good solution gets: refuse (403 CHALLENGE_REQUIRED) or infinite (a place that looks real but never moves, never reaches the sale and cannot be claimed)",
});
const presenceGraceSeconds = integer({
  minimum: 10,
  maximum: 86_400,
  description: "how long a waiting fan may be away (page closed, phone asleep) and keep the place; default PRESENCE_GRACE_SECONDS (5 minutes)",
});
const inviteOnly = t.Boolean({ description: "only fans who bring an access code get a new place (POST /admin/events/:eventId/access-codes); others are refused with 403 INVITE_ONLY" });
const deviceBinding = t.Union(literals(DEVICE_BINDINGS), {
  description: "off: places and sessions are not bound to the fan's device; optional: a join that sends a DPoP proof gets a place bound to its key (apps without WebCrypto keep working unbound); required: a join or claim without a bound key is refused. A bound place always needs its proof (edge HTTP.md, \"Device binding\")",
});
const identity = t.Union(literals(IDENTITY_MODES), {
  description: "what a fan proves before a new place: off; email (a one-time code sent to the address, POST /queue/{eventId}/identity/email); passkey (a WebAuthn passkey); either. The identity's hash becomes the ticket's and session's customer, so tickets per customer counts per person, and one identity holds at most one place in the line (409 IDENTITY_IN_LINE). Default off",
});

const standby = t.Boolean({
  description: "queue only when needed: while traffic is under both thresholds, new fans go straight to the sale (admitted at once, no waiting place); the room queues from the first new fan that passes one, and lets fans straight through again after 5 s calm below both with nobody waiting. Turning it on needs both thresholds (400 STANDBY_THRESHOLDS_REQUIRED). Default false",
});
const standbyNewPerMinute = integer({ minimum: 1, maximum: 10_000_000, description: "standby: new fans per minute (passed or queued, a sliding minute) under which fans go straight through" });
const standbyActiveSessions = integer({ minimum: 1, maximum: 10_000_000, description: "standby: live sessions plus unclaimed admissions under which fans go straight through (keep it at or below maxActive)" });
const closesAt = t.String({
  format: "date-time",
  description:
    "when the sale closes: the leader closes it then, and a held seat whose hold outlasts it (or whose purchase is in progress) counts as gone, so the sale is sold out by itself once every seat is sold or so held. Left out or null = no closing time",
});
const choiceMarginSeats = integer({
  minimum: 0,
  maximum: 1_000_000,
  description: "seat budgets: admit so that the seats declared by admitted fans who have not finished (undeclared: the per-order limit) never exceed each tier's unsold seats plus this margin (docs/FEATURES.md, \"Choose while waiting\"); null or left out = admissions count fans only",
});
const [code200, code202, code429] = QUEUEING_STATUS_CODES;
const queueingStatusCode = t.Union(
  [t.Literal(code200), t.Literal(code202), t.Literal(code429)],
  { description: "the HTTP status the waiting page answers with while the fan is in line: 200 (default), 202 or 429, for clients and crawlers that read the status" },
);

const extensionSeconds = integer({
  minimum: 0,
  maximum: 3600,
  description: `accessible timing (WCAG 2.2.1): seconds one extension adds when a fan asks for more time, once per claim window and once per hold; 0 = no extensions. Default ${EXTENSION_DEFAULTS.seconds}`,
});
const extensionBudgetMinutes = integer({
  minimum: 0,
  maximum: 100_000,
  description: `extra minutes the event grants over all fans' extensions, so the sale's throughput holds; once used up, extensions are refused with 409 EXTENSION_BUDGET_USED; 0 = no extensions. Default ${EXTENSION_DEFAULTS.budgetMinutes}`,
});

/** Optional: no body opens with the event's settings. */
export const queueOpenBody = t.Optional(t.Object(
  {
    opensAt: t.Optional(t.String({ format: "date-time", description: "when the sale opens; fans who come earlier join the pre-queue. Default: the event's saleOpensAt" })),
    rate: t.Optional(rate),
    maxActive: t.Optional(maxActive),
    sessionSeconds: t.Optional(sessionSeconds),
    claimSeconds: t.Optional(claimSeconds),
    adaptive: t.Optional(adaptive),
    maxWaiting: t.Optional(maxWaiting),
    minChance: t.Optional(minChance),
    challenge: t.Optional(challenge),
    challengeFailure: t.Optional(challengeFailure),
    presenceGraceSeconds: t.Optional(presenceGraceSeconds),
    inviteOnly: t.Optional(inviteOnly),
    deviceBinding: t.Optional(deviceBinding),
    identity: t.Optional(identity),
    standby: t.Optional(standby),
    standbyNewPerMinute: t.Optional(standbyNewPerMinute),
    standbyActiveSessions: t.Optional(standbyActiveSessions),
    queueingStatusCode: t.Optional(queueingStatusCode),
    extensionSeconds: t.Optional(extensionSeconds),
    extensionBudgetMinutes: t.Optional(extensionBudgetMinutes),
    choiceMarginSeats: t.Optional(t.Union([choiceMarginSeats, t.Null()])),
    closesAt: t.Optional(t.Union([closesAt, t.Null()])),
  },
  { additionalProperties: false },
));

export const queueSettingsBody = t.Object(
  {
    rate: t.Optional(t.Union([rate, t.Null()], { description: "fans per second; null returns to the share of the measured database capacity" })),
    maxActive: t.Optional(maxActive),
    sessionSeconds: t.Optional(sessionSeconds),
    claimSeconds: t.Optional(claimSeconds),
    adaptive: t.Optional(adaptive),
    maxWaiting: t.Optional(maxWaiting),
    minChance: t.Optional(t.Union([minChance, t.Null()], { description: "percent; null: the line never stops" })),
    challenge: t.Optional(challenge),
    challengeFailure: t.Optional(challengeFailure),
    presenceGraceSeconds: t.Optional(presenceGraceSeconds),
    inviteOnly: t.Optional(inviteOnly),
    deviceBinding: t.Optional(deviceBinding),
    identity: t.Optional(identity),
    standby: t.Optional(standby),
    standbyNewPerMinute: t.Optional(standbyNewPerMinute),
    standbyActiveSessions: t.Optional(standbyActiveSessions),
    queueingStatusCode: t.Optional(queueingStatusCode),
    extensionSeconds: t.Optional(extensionSeconds),
    extensionBudgetMinutes: t.Optional(extensionBudgetMinutes),
    choiceMarginSeats: t.Optional(t.Union([choiceMarginSeats, t.Null()], { description: "seats; null: seat budgets off" })),
    closesAt: t.Optional(t.Union([closesAt, t.Null()], { description: "when the sale closes; null: no closing time" })),
  },
  { additionalProperties: false, minProperties: 1 },
);

/** Optional: no body closes as sold out. A body that is there must be this object (plugins/json-body.ts refuses any other). */
export const queueCloseBody = t.Optional(
  t.Object(
    { reason: t.Optional(t.Union([t.Literal("soldout"), t.Literal("closed")], { description: "soldout (when left out) or closed" })) },
    { additionalProperties: false },
  ),
);

export const queueView = t.Object(
  {
    eventId: eventIdSchema,
    status,
    opensAt: t.Union([t.String({ format: "date-time" }), t.Null()]),
    settings: t.Object({
      rate: t.Union([t.Number(), t.Null()], { description: "set by hand; null = from measured capacity" }),
      maxActive: integer(),
      sessionSeconds: t.Number(),
      claimSeconds: t.Number(),
      adaptive: t.Boolean(),
      maxWaiting: t.Union([integer(), t.Null()]),
      minChance: t.Union([integer(), t.Null()], { description: "percent; null: the line never stops" }),
      challenge,
      challengeFailure,
      presenceGraceSeconds: t.Number({ description: "how long a waiting fan may be away and keep the place" }),
      inviteOnly,
      deviceBinding,
      identity,
      standby,
      standbyNewPerMinute: t.Union([integer(), t.Null()], { description: "null until set" }),
      standbyActiveSessions: t.Union([integer(), t.Null()], { description: "null until set" }),
      queueingStatusCode,
      extensionSeconds,
      extensionBudgetMinutes,
      choiceMarginSeats: t.Union([integer(), t.Null()], { description: "seat budgets' margin; null: admissions count fans only" }),
      closesAt: t.Union([t.String({ format: "date-time" }), t.Null()], { description: "when the sale closes; null: no closing time" }),
    }),
    extensions: t.Object(
      {
        granted: integer({ description: "extensions granted so far (claim windows and holds)" }),
        usedSeconds: integer({ description: "extra seconds granted so far" }),
        leftSeconds: integer({ description: "extra seconds the budget has left; an extension needs extensionSeconds of it" }),
      },
      { description: "the event's budget of extra time (accessible timing), as used so far" },
    ),
    standbyMode: t.Union([t.Literal("passing"), t.Literal("queueing"), t.Null()], {
      description: "standby: passing (new fans go straight through), queueing (a threshold was passed; passes again after calm), null (standby off, or not decided yet: the scheduler decides within a tick)",
    }),
    rates: t.Object({
      ceiling: t.Number({ description: "fans per second allowed at most now" }),
      ceilingSource: t.Union([t.Literal("manual"), t.Literal("capacity"), t.Literal("default")]),
      target: t.Union([t.Number(), t.Null()], { description: "what the scheduler aims for (below the ceiling while adaptive mode backs off)" }),
      measured: t.Number({ description: "admissions per second over the last minute; fans' wait estimates use this" }),
    }),
    waiting: integer({ description: "fans in line" }),
    admittedUnclaimed: integer(),
    activeSessions: integer(),
    serving: integer({ description: "highest queue number the scheduler has passed" }),
    lastNumber: integer({ description: "newest queue number handed out" }),
    totals: t.Object({ admitted: integer(), abandoned: integer(), claimExpired: integer(), passed: integer({ description: "fans standby let straight through (also counted in admitted)" }) }),
    restore: t.Union(
      [
        t.Object({
          restoredAt: t.String({ format: "date-time", description: "when the scheduler last rebuilt the line from MySQL" }),
          kind: t.Union([t.Literal("full"), t.Literal("partial")], { description: "full: Redis came back empty; partial: Redis came back from an older snapshot" }),
          restores: integer({ description: "restores of this waiting room so far" }),
          lostNumbers: integer({ description: "queue numbers the restores found without their ticket; their fans are put back at them when they come back" }),
          replaced: integer({ description: "fans put back at their own number since" }),
        }),
        t.Null(),
      ],
      { description: "the last time Redis lost the line and the scheduler rebuilt it; null when it never did" },
    ),
    leader: t.Union([t.String(), t.Null()], { description: "fencing token of the origin instance scheduling this event" }),
  },
  { description: "Live state of an event's waiting room." },
);

export const capacityLevel = t.Object({
  concurrency: integer(),
  purchases: integer(),
  tps: t.Number(),
  p50Ms: t.Number(),
  p95Ms: t.Number(),
  errors: integer(),
});

const capacityKind = t.Union([t.Literal("database"), t.Literal("purchase-path")], {
  description: "database: the purchase transactions alone (insertOrder under the unique index); purchase-path: a fan's hold + purchase through the origin's HTTP API (`bun run bench capacity`)",
});
const stoppedBecause = t.Union([t.Literal("plateau"), t.Literal("latency"), t.Literal("max-concurrency")]);

export const capacityView = t.Object(
  {
    environment: t.String(),
    kind: t.Optional(capacityKind),
    tps: t.Number({ description: "sustainable purchases per second" }),
    concurrency: integer(),
    p95Ms: t.Number(),
    levels: t.Array(capacityLevel),
    measuredAt: t.String({ format: "date-time" }),
    method: t.String(),
    stoppedBecause,
    compared: t.Optional(
      t.Array(t.Object({ kind: capacityKind, tps: t.Number(), concurrency: integer(), p95Ms: t.Number(), measuredAt: t.String({ format: "date-time" }), method: t.String(), stoppedBecause }), {
        description: "the other measurements of the same run; their throughput is higher, so `tps` is the one that binds",
      }),
    ),
    admissionRate: t.Number({ description: "fans per second this capacity allows (share of it / database work per fan)" }),
  },
  { description: "The measured purchase capacity in this environment (the admission rate derives from it)." },
);

/**
 * Required: a measurement runs real purchase inserts for seconds and replaces the stored
 * capacity, so it starts only from a JSON object saying so (`{}` takes every default),
 * never from an empty or malformed request.
 */
export const capacityMeasureBody = t.Object(
  {
    levelMs: t.Optional(integer({ minimum: 200, maximum: 30_000, description: "how long each concurrency level runs" })),
    maxConcurrency: t.Optional(integer({ minimum: 1, maximum: 256 })),
    p95BoundMs: t.Optional(integer({ minimum: 1, maximum: 10_000, description: "stop once p95 latency passes this" })),
  },
  { additionalProperties: false },
);

export const admissionModels = new Elysia({ name: "models.admission" }).model({
  "admission.params": t.Object({ eventId: eventIdSchema }),
  "admission.open": queueOpenBody,
  "admission.settings": queueSettingsBody,
  "admission.close": queueCloseBody,
  "admission.queue": queueView,
  "admission.capacity": capacityView,
  "admission.measure": capacityMeasureBody,
  "admission.left": t.Object({ eventId: eventIdSchema, left: t.Literal(true), releasedHolds: integer() }, { description: "The session has ended; its slot goes to the next fan." }),
});
