/**
 * Typed errors of the origin. Each carries the HTTP status and the stable `code` the API
 * answers with in `{ code, message }`; the error plugin turns them into responses.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export interface ErrorBody {
  code: string;
  message: string;
}

export const errorBody = (error: AppError): ErrorBody => ({ code: error.code, message: error.message });

export class InvalidRequestError extends AppError {
  constructor(message: string, code = "INVALID_REQUEST") {
    super(400, code, message);
  }
}

/** A body that is not a JSON object: another content type, malformed JSON, an array, a key this API never takes. */
export class InvalidBodyError extends InvalidRequestError {
  constructor(message: string) {
    super(message, "INVALID_BODY");
  }
}

export class NotFromEdgeError extends AppError {
  constructor() {
    super(401, "NOT_FROM_EDGE", "Fan requests reach the origin only through the edge.");
  }
}

export class TokenMissingError extends AppError {
  constructor() {
    super(401, "TOKEN_MISSING", "An active token is required (Authorization: Bearer <token>).");
  }
}

export class TokenInvalidError extends AppError {
  constructor() {
    super(401, "TOKEN_INVALID", "The active token is invalid or has expired.");
  }
}

export class TokenWrongEventError extends AppError {
  constructor() {
    super(403, "TOKEN_WRONG_EVENT", "The active token was issued for another event.");
  }
}

export class SessionInactiveError extends AppError {
  constructor() {
    super(403, "SESSION_INACTIVE", "This session is no longer active; rejoin the queue.");
  }
}

export class AdminKeyError extends AppError {
  constructor() {
    super(401, "ADMIN_KEY_INVALID", "A valid admin key is required (Authorization: Bearer <admin key>).");
  }
}

export class NotFoundError extends AppError {
  constructor(code: string, message: string) {
    super(404, code, message);
  }
}

export class EventNotFoundError extends NotFoundError {
  constructor(eventId: string) {
    super("EVENT_NOT_FOUND", `No event ${JSON.stringify(eventId)}.`);
  }
}

export class EventExistsError extends AppError {
  constructor(eventId: string) {
    super(409, "EVENT_EXISTS", `Event ${JSON.stringify(eventId)} already exists.`);
  }
}

export class SaleNotOpenError extends AppError {
  constructor() {
    super(409, "SALE_NOT_OPEN", "This event is not on sale.");
  }
}

export class UnknownSeatError extends AppError {
  constructor(seatId: string) {
    super(400, "UNKNOWN_SEAT", `Seat ${JSON.stringify(seatId)} does not exist in this event.`);
  }
}

export class SeatLimitError extends AppError {
  constructor(remaining: number) {
    super(409, "SEAT_LIMIT", `This order would pass the per-order seat limit; you may hold ${remaining} more seat(s).`);
  }
}

export class SeatSoldError extends AppError {
  constructor(seatId: string) {
    super(409, "SEAT_SOLD", `Seat ${seatId} is already sold.`);
  }
}

export class SeatHeldError extends AppError {
  constructor(seatId: string) {
    super(409, "SEAT_HELD", `Seat ${seatId} is held by someone else.`);
  }
}

export class HoldNotFoundError extends AppError {
  constructor() {
    super(410, "HOLD_EXPIRED", "This hold does not exist or has expired; hold the seats again.");
  }
}

export class NotHoldOwnerError extends AppError {
  constructor() {
    super(403, "NOT_HOLD_OWNER", "This hold belongs to another session.");
  }
}

export class PurchaseInProgressError extends AppError {
  constructor() {
    super(409, "PURCHASE_IN_PROGRESS", "A purchase is already running for this hold or idempotency key.");
  }
}

export class IdempotencyKeyReusedError extends AppError {
  constructor() {
    super(422, "IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was already used for another hold.");
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(code: string, message: string, readonly retryAfterSeconds?: number) {
    super(503, code, message);
  }
}

/** Redis lost the event's line and the scheduler is rebuilding it from MySQL (within about a second). */
export class RestoringError extends ServiceUnavailableError {
  constructor() {
    super("RESTORING", "We are restoring the line; your turn is kept. Try again in a few seconds.", 2);
  }
}
