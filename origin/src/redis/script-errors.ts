import { SeatScriptCode, type SeatScriptReply } from "../../../lua/codes.ts";
import {
  AppError,
  CustomerLimitError,
  HoldNotFoundError,
  NotHoldOwnerError,
  PurchaseInProgressError,
  SeatHeldError,
  SeatLimitError,
  SeatSoldError,
  SessionInactiveError,
} from "../errors.ts";

export class EventNotConfiguredError extends Error {
  constructor() {
    super("event settings are missing from Redis");
  }
}

/**
 * The one mapping from script return codes to typed errors. Returns the detail of an OK
 * reply; throws for every other code. `seatIds` names the seat a detail index points at.
 */
export function expectOk([code, detail]: SeatScriptReply, seatIds: readonly string[] = []): number {
  const seat = () => seatIds[detail - 1] ?? "?";
  switch (code) {
    case SeatScriptCode.OK:
      return detail;
    case SeatScriptCode.SESSION_INACTIVE:
      throw new SessionInactiveError();
    case SeatScriptCode.EVENT_NOT_CONFIGURED:
      throw new EventNotConfiguredError();
    case SeatScriptCode.SEAT_LIMIT:
      throw new SeatLimitError(detail);
    case SeatScriptCode.SEAT_SOLD:
      throw new SeatSoldError(seat());
    case SeatScriptCode.SEAT_HELD:
      throw new SeatHeldError(seat());
    case SeatScriptCode.HOLD_NOT_FOUND:
      throw new HoldNotFoundError();
    case SeatScriptCode.NOT_OWNER:
      throw new NotHoldOwnerError();
    case SeatScriptCode.PURCHASE_IN_PROGRESS:
      throw new PurchaseInProgressError();
    case SeatScriptCode.CUSTOMER_LIMIT:
      throw new CustomerLimitError(detail);
    default:
      throw new AppError("INTERNAL", `unexpected script code ${String(code)}`);
  }
}
