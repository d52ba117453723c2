/**
 * Every error the origin answers with, defined once: `errorCodes` holds each code's HTTP
 * status, default message and Retry-After. Errors thrown before a purchase's charge, the
 * outcomes it records after it (kept in the idempotency record and replayed), the error
 * plugin's own answers and the OpenAPI document all read it, so a code cannot answer with
 * two statuses nor go undocumented (origin/test/swagger.test.ts).
 */

export interface ErrorSpec {
  status: number;
  /** answered when the thrower has nothing more precise to say; also the code's meaning in the OpenAPI document */
  message: string;
  /** sent as Retry-After (seconds) */
  retryAfterSeconds?: number;
}

export const errorCodes = {
  INVALID_REQUEST: { status: 400, message: "The request does not match what this route takes." },
  INVALID_BODY: { status: 400, message: "The request body must be a JSON object, sent with Content-Type: application/json." },
  UNKNOWN_SEAT: { status: 400, message: "A seat does not exist in this event." },
  UNKNOWN_TIER: { status: 400, message: "The event has no such tier." },
  STANDBY_THRESHOLDS_REQUIRED: { status: 400, message: "Standby needs both thresholds: standbyNewPerMinute and standbyActiveSessions." },
  NOT_FROM_EDGE: { status: 401, message: "Fan requests reach the origin only through the edge." },
  TOKEN_MISSING: { status: 401, message: "An active token is required (Authorization: Bearer <token>)." },
  TOKEN_INVALID: { status: 401, message: "The active token is invalid or has expired." },
  ADMIN_KEY_INVALID: { status: 401, message: "A valid admin key is required (Authorization: Bearer <admin key>)." },
  PAYMENT_DECLINED: { status: 402, message: "The payment was declined; the seats are released." },
  TOKEN_WRONG_EVENT: { status: 403, message: "The active token was issued for another event." },
  SESSION_INACTIVE: { status: 403, message: "This session is no longer active; rejoin the queue." },
  NOT_HOLD_OWNER: { status: 403, message: "This hold belongs to another session." },
  ACCESS_CODE_INVALID: { status: 403, message: "This access code is not valid for this event." },
  ACCESS_CODE_USED_UP: { status: 403, message: "This access code has been used as many times as it allows." },
  ACCESS_CODE_NOT_VALID_NOW: { status: 403, message: "This access code is not valid at this time." },
  IDENTITY_CODE_INVALID: { status: 403, message: "The code is wrong or has expired; check the latest email, or ask for a new code." },
  IDENTITY_CODE_SPENT: { status: 403, message: "Too many wrong codes: ask for a new code." },
  PASSKEY_REFUSED: { status: 403, message: "The passkey could not be verified; try again." },
  TIER_NOT_UNLOCKED: { status: 403, message: "Your access code unlocks another tier's seats." },
  NOT_FOUND: { status: 404, message: "No such route." },
  EVENT_NOT_FOUND: { status: 404, message: "No such event." },
  ORDER_NOT_FOUND: { status: 404, message: "No such order." },
  QUEUE_NOT_FOUND: { status: 404, message: "The event has no waiting room." },
  ACCESS_CODE_NOT_FOUND: { status: 404, message: "No such access code." },
  BYPASS_RULE_NOT_FOUND: { status: 404, message: "No such bypass rule." },
  IDENTITY_NOT_ASKED: { status: 404, message: "This sale does not ask for that identity." },
  CAPACITY_NOT_MEASURED: { status: 404, message: "No capacity was measured in this environment yet." },
  EVENT_EXISTS: { status: 409, message: "An event with this id already exists." },
  SALE_NOT_OPEN: { status: 409, message: "This event is not on sale." },
  SEAT_LIMIT: { status: 409, message: "This order would pass the per-order seat limit." },
  CUSTOMER_LIMIT: { status: 409, message: "This would pass the event's limit of tickets per customer, counted over all your orders and sessions." },
  SEAT_SOLD: { status: 409, message: "The seat is already sold." },
  SEAT_HELD: { status: 409, message: "A seat is held by someone else." },
  NO_SEATS_AVAILABLE: { status: 409, message: "No seats matching the choice are free; try fewer seats, another tier or a higher price." },
  SEATS_CONTENDED: { status: 409, message: "The seats matching the choice were taken while we tried; try again." },
  PURCHASE_IN_PROGRESS: { status: 409, message: "A purchase is already running for this hold or idempotency key." },
  ORDER_NOT_PAID: { status: 409, message: "Only a paid order can be refunded." },
  ACCESS_CODE_EXISTS: { status: 409, message: "The event already has this access code." },
  BYPASS_RULE_EXISTS: { status: 409, message: "The event already has a bypass rule of this kind for this path, secret or range." },
  QUEUE_EXISTS: { status: 409, message: "The event already has a waiting room." },
  QUEUE_STATUS_CONFLICT: { status: 409, message: "The waiting room cannot take that status from the one it has." },
  MEASUREMENT_RUNNING: { status: 409, message: "A capacity measurement is already running on this instance." },
  EXTENSIONS_OFF: { status: 409, message: "This event gives no extra time." },
  ALREADY_EXTENDED: { status: 409, message: "This hold already had its extra time; each hold can be extended once." },
  EXTENSION_BUDGET_USED: { status: 409, message: "The extra time this event grants is used up; please finish within the time shown." },
  SESSION_ENDS_FIRST: { status: 409, message: "Your turn in the sale ends before the extra time would; the hold cannot outlast it." },
  HOLD_EXPIRED: { status: 410, message: "This hold does not exist or has expired; hold the seats again." },
  BODY_TOO_LARGE: { status: 413, message: "The request body is larger than the origin takes." },
  IDEMPOTENCY_KEY_REUSED: { status: 422, message: "This Idempotency-Key was already used for another hold." },
  IDENTITY_RATE_LIMITED: { status: 429, message: "Too many identity requests from your network; try again in a few minutes.", retryAfterSeconds: 60 },
  INTERNAL: { status: 500, message: "Something went wrong on our side; please try again." },
  PAYMENT_UNAVAILABLE: { status: 502, message: "The payment provider could not be reached; the seats are released." },
  SERVICE_UNAVAILABLE: { status: 503, message: "A data store is unavailable right now; please try again shortly." },
  IDENTITY_UNAVAILABLE: { status: 503, message: "The identity step is not available right now; try again shortly.", retryAfterSeconds: 5 },
  RESTORING: { status: 503, message: "We are restoring the line; your turn is kept. Try again in a few seconds.", retryAfterSeconds: 2 },
  ORDER_NOT_SAVED: { status: 503, message: "The order could not be saved; the payment is refunded and the seats released. Please try again." },
  PURCHASE_PENDING: { status: 503, message: "The purchase could not be confirmed yet; ask again with the same Idempotency-Key shortly." },
  PAYMENT_TIMEOUT: { status: 504, message: "The payment provider did not answer in time; any charge is voided and the seats are released." },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof errorCodes;

export const errorSpec = (code: ErrorCode): ErrorSpec => errorCodes[code];

export interface ErrorBody {
  code: ErrorCode;
  message: string;
}

/** An answer with a code of the table: its status and Retry-After come from there. */
export class AppError extends Error {
  readonly status: number;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string = errorSpec(code).message,
  ) {
    super(message);
    this.name = new.target.name;
    this.status = errorSpec(code).status;
    this.retryAfterSeconds = errorSpec(code).retryAfterSeconds;
  }
}

export const errorBody = (error: AppError): ErrorBody => ({ code: error.code, message: error.message });

export class InvalidRequestError extends AppError {
  constructor(message: string) {
    super("INVALID_REQUEST", message);
  }
}

/** A body that is not a JSON object: another content type, malformed JSON, an array, a key this API never takes. */
export class InvalidBodyError extends AppError {
  constructor(message: string) {
    super("INVALID_BODY", message);
  }
}

export class NotFromEdgeError extends AppError {
  constructor() {
    super("NOT_FROM_EDGE");
  }
}

export class TokenMissingError extends AppError {
  constructor() {
    super("TOKEN_MISSING");
  }
}

export class TokenInvalidError extends AppError {
  constructor() {
    super("TOKEN_INVALID");
  }
}

export class TokenWrongEventError extends AppError {
  constructor() {
    super("TOKEN_WRONG_EVENT");
  }
}

export class SessionInactiveError extends AppError {
  constructor() {
    super("SESSION_INACTIVE");
  }
}

export class AdminKeyError extends AppError {
  constructor() {
    super("ADMIN_KEY_INVALID");
  }
}

export class EventNotFoundError extends AppError {
  constructor(eventId: string) {
    super("EVENT_NOT_FOUND", `No event ${JSON.stringify(eventId)}.`);
  }
}

export class EventExistsError extends AppError {
  constructor(eventId: string) {
    super("EVENT_EXISTS", `Event ${JSON.stringify(eventId)} already exists.`);
  }
}

export class SaleNotOpenError extends AppError {
  constructor() {
    super("SALE_NOT_OPEN");
  }
}

export class UnknownSeatError extends AppError {
  constructor(seatId: string) {
    super("UNKNOWN_SEAT", `Seat ${JSON.stringify(seatId)} does not exist in this event.`);
  }
}

export class UnknownTierError extends AppError {
  constructor(tier: string) {
    super("UNKNOWN_TIER", `The event has no tier ${JSON.stringify(tier)}.`);
  }
}

export class NoSeatsAvailableError extends AppError {
  constructor(quantity: number) {
    super("NO_SEATS_AVAILABLE", `No ${quantity} seat(s) matching the choice are free; try fewer seats, another tier or a higher price.`);
  }
}

export class SeatsContendedError extends AppError {
  constructor() {
    super("SEATS_CONTENDED");
  }
}

export class SeatLimitError extends AppError {
  constructor(remaining: number) {
    super("SEAT_LIMIT", `This order would pass the per-order seat limit; you may hold ${remaining} more seat(s).`);
  }
}

export class CustomerLimitError extends AppError {
  constructor(remaining: number) {
    super("CUSTOMER_LIMIT", `This would pass the event's limit of tickets per customer (over all your orders and sessions); you may hold ${remaining} more seat(s).`);
  }
}

export class SeatSoldError extends AppError {
  constructor(seatId: string) {
    super("SEAT_SOLD", `Seat ${seatId} is already sold.`);
  }
}

export class SeatHeldError extends AppError {
  constructor(seatId: string) {
    super("SEAT_HELD", `Seat ${seatId} is held by someone else.`);
  }
}

export class HoldNotFoundError extends AppError {
  constructor() {
    super("HOLD_EXPIRED");
  }
}

export class NotHoldOwnerError extends AppError {
  constructor() {
    super("NOT_HOLD_OWNER");
  }
}

export class PurchaseInProgressError extends AppError {
  constructor() {
    super("PURCHASE_IN_PROGRESS");
  }
}

/** Accessible timing (WCAG 2.2.1): the event gives no extensions of time. */
export class ExtensionsOffError extends AppError {
  constructor() {
    super("EXTENSIONS_OFF");
  }
}

/** A claim window or a hold is extended once. */
export class AlreadyExtendedError extends AppError {
  constructor(message?: string) {
    super("ALREADY_EXTENDED", message);
  }
}

/** The event's budget of extra time has less than one extension left. */
export class ExtensionBudgetUsedError extends AppError {
  constructor() {
    super("EXTENSION_BUDGET_USED");
  }
}

/** The extended hold would outlast the session (its active token expires with it). */
export class SessionEndsFirstError extends AppError {
  constructor(message?: string) {
    super("SESSION_ENDS_FIRST", message);
  }
}

export class IdempotencyKeyReusedError extends AppError {
  constructor() {
    super("IDEMPOTENCY_KEY_REUSED");
  }
}

/** Redis lost the event's line and the scheduler is rebuilding it from MySQL (within about a second). */
export class RestoringError extends AppError {
  constructor() {
    super("RESTORING");
  }
}

export class QueueNotFoundError extends AppError {
  constructor(eventId: string) {
    super("QUEUE_NOT_FOUND", `Event ${JSON.stringify(eventId)} has no waiting room; open one with POST /admin/events/${eventId}/queue.`);
  }
}

export class QueueExistsError extends AppError {
  constructor(eventId: string) {
    super("QUEUE_EXISTS", `Event ${JSON.stringify(eventId)} already has a waiting room; change it with PATCH.`);
  }
}

export class QueueStatusError extends AppError {
  constructor(current: string, wanted: string) {
    super("QUEUE_STATUS_CONFLICT", `The waiting room is ${current}; it cannot become ${wanted} from there.`);
  }
}

/** Standby turned on without both of its thresholds (set now or before). */
export class StandbyThresholdsRequiredError extends AppError {
  constructor() {
    super("STANDBY_THRESHOLDS_REQUIRED");
  }
}

export class MeasurementRunningError extends AppError {
  constructor() {
    super("MEASUREMENT_RUNNING");
  }
}

/** The access code a fan gave is unknown or revoked. */
export class AccessCodeInvalidError extends AppError {
  constructor() {
    super("ACCESS_CODE_INVALID");
  }
}

/** The access code a fan gave has given every place it allows. */
export class AccessCodeUsedUpError extends AppError {
  constructor() {
    super("ACCESS_CODE_USED_UP");
  }
}

/** A session whose access code was for one tier asked for a seat of another. */
export class TierNotUnlockedError extends AppError {
  constructor(tier: string, seatId: string) {
    super("TIER_NOT_UNLOCKED", `Your access code unlocks the ${tier} seats only; seat ${seatId} is not one of them.`);
  }
}

/** The access code a fan gave is outside its window. */
export class AccessCodeNotValidNowError extends AppError {
  constructor() {
    super("ACCESS_CODE_NOT_VALID_NOW");
  }
}

export class BypassRuleNotFoundError extends AppError {
  constructor() {
    super("BYPASS_RULE_NOT_FOUND");
  }
}

export class AccessCodeNotFoundError extends AppError {
  constructor() {
    super("ACCESS_CODE_NOT_FOUND");
  }
}

/**
 * Redis did not answer a command (connection closed or refused, not writable, timed out),
 * as the Redis client itself reports it (redis/client.ts): the error plugin answers 503
 * SERVICE_UNAVAILABLE, and nothing downstream reads driver messages to tell this from a
 * bug. The message is ioredis's own, its error the `cause`. (MySQL's driver marks such
 * failures itself: db/errors.ts, isConnectionError.)
 */
export class RedisUnavailableError extends Error {
  readonly kind = "store-unavailable";

  constructor(cause: Error) {
    super(cause.message, { cause });
    this.name = "RedisUnavailableError";
  }
}

export class IdentityUnavailableError extends AppError {
  constructor() {
    super("IDENTITY_UNAVAILABLE");
  }
}

export class IdentityNotAskedError extends AppError {
  constructor() {
    super("IDENTITY_NOT_ASKED");
  }
}

export class IdentityRateLimitedError extends AppError {
  constructor() {
    super("IDENTITY_RATE_LIMITED");
  }
}

export class IdentityCodeInvalidError extends AppError {
  constructor() {
    super("IDENTITY_CODE_INVALID");
  }
}

export class IdentityCodeSpentError extends AppError {
  constructor() {
    super("IDENTITY_CODE_SPENT");
  }
}

export class PasskeyRefusedError extends AppError {
  constructor() {
    super("PASSKEY_REFUSED");
  }
}
