/**
 * Accessible timing for holds (WCAG 2.2.1 Timing Adjustable): a fan who needs more time
 * asks once per hold and the hold runs longer by the event's extensionSeconds, taken from
 * the event's budget of extra time, which claim windows share (lua/extendHold-5.lua does
 * the checks, the take and the move of every seat key in one step). Also what a hold's view
 * says about it: how much one extension would add now, so the page offers it only then.
 */
import { EXTENSION_DEFAULTS } from "../../../../common/queue-state.ts";
import { ExtendHoldCode } from "../../../../lua/codes.ts";
import type { Deps } from "../../deps.ts";
import { AlreadyExtendedError, AppError, ExtensionBudgetUsedError, ExtensionsOffError, HoldNotFoundError, NotHoldOwnerError, PurchaseInProgressError, SessionEndsFirstError, SessionInactiveError } from "../../errors.ts";
import type { ActiveSession } from "../../plugins/active-token.ts";
import { extensionSettings } from "../../admission/settings.ts";
import * as scripts from "../../redis/seat-scripts.ts";
import type { CatalogEvent } from "../events/catalog.ts";
import { readHold } from "./service.ts";

/**
 * Seconds one extension of a hold running out at `expiresAt` would add now: 0 when it was
 * extended, the event gives none, the budget has less than one left, or the hold would
 * outlast the session.
 */
export async function extendBySeconds(deps: Pick<Deps, "redis">, entry: CatalogEvent, session: ActiveSession, expiresAt: number, extended: boolean): Promise<number> {
  if (extended) return 0;
  const [seconds, minutes, used] = await deps.redis.hmget(entry.keys.queueState, "extensionSeconds", "extensionBudgetMinutes", "extensionUsedSeconds");
  const s = extensionSettings({ extensionSeconds: seconds, extensionBudgetMinutes: minutes, extensionUsedSeconds: used });
  if (s.extensionSeconds === 0 || s.extensionUsedSeconds + s.extensionSeconds > s.extensionBudgetMinutes * 60) return 0;
  return expiresAt + s.extensionSeconds * 1000 > session.exp * 1000 ? 0 : s.extensionSeconds;
}

/** One extension of the caller's live hold; answers its new expiry. */
export async function extendHold(deps: Deps, session: ActiveSession, eventId: string, holdId: string) {
  return deps.admission.sessions.whileLive(session, () => extendLiveHold(deps, session, eventId, holdId));
}

async function extendLiveHold(deps: Deps, session: ActiveSession, eventId: string, holdId: string) {
  const entry = await deps.catalog.get(eventId);
  const seatIds = await readHold(deps, entry, session, holdId);
  const { code, detail } = await scripts.extendHold(deps.redis, entry.keys, {
    sessionId: session.sid,
    holdId,
    customerId: session.customer,
    now: deps.clock.now(),
    seatIds,
    defaultSeconds: EXTENSION_DEFAULTS.seconds,
    defaultBudgetMinutes: EXTENSION_DEFAULTS.budgetMinutes,
  });
  switch (code) {
    case ExtendHoldCode.EXTENDED:
      return { holdId, expiresAt: new Date(detail).toISOString(), extendBySeconds: 0 as const };
    case ExtendHoldCode.OFF:
      throw new ExtensionsOffError();
    case ExtendHoldCode.ALREADY_EXTENDED:
      throw new AlreadyExtendedError(`This hold already had its extra time; it is yours until ${new Date(detail).toISOString()}.`);
    case ExtendHoldCode.BUDGET_USED:
      throw new ExtensionBudgetUsedError();
    case ExtendHoldCode.SESSION_ENDS_FIRST:
      throw new SessionEndsFirstError(`Your turn in the sale ends at ${new Date(detail).toISOString()}, before the extra time would; the hold cannot outlast it.`);
    case ExtendHoldCode.SESSION_INACTIVE:
      throw new SessionInactiveError();
    case ExtendHoldCode.HOLD_NOT_FOUND:
      throw new HoldNotFoundError();
    case ExtendHoldCode.NOT_OWNER:
      throw new NotHoldOwnerError();
    case ExtendHoldCode.PURCHASE_IN_PROGRESS:
      throw new PurchaseInProgressError();
    default:
      throw new AppError("INTERNAL", `unexpected extendHold code ${String(code)}`);
  }
}
