/**
 * Buying a held seat set, with compensation:
 *   1. claim the Idempotency-Key (replays get the first outcome; a concurrent duplicate 409);
 *   2. beginPurchase: the session is live and owns the hold; the hold is marked as being
 *      bought and extended over the purchase window, so it cannot expire mid-purchase;
 *   3. charge through the payment provider (timed out);
 *   4. insert the order and its reservations in one transaction under UNIQUE(event, seat);
 *   5. success: mark the seats sold, drop the hold, revoke the session, and release the
 *      session's other holds (buying ends the turn; nobody could release them afterwards).
 *      failure: release the hold at once (owner-checked), give the money back, answer clearly.
 *      ambiguous (connection lost during COMMIT): look at the database before releasing.
 * Side effects that meet a Redis or provider outage are retried in the background; a
 * release that never succeeds still ends when the hold expires, so no seat is stranded.
 */
import type { Deps } from "../../deps.ts";
import { AppError, errorBody, RestoringError, type ErrorBody, type ErrorCode } from "../../errors.ts";
import { randomId } from "../../lib/ids.ts";
import type { ActiveSession } from "../../plugins/active-token.ts";
import { expectOk } from "../../redis/script-errors.ts";
import * as scripts from "../../redis/seat-scripts.ts";
import { PaymentTimeoutError, type ChargeResult } from "../../payments/provider.ts";
import type { CatalogEvent } from "../events/catalog.ts";
import { CURRENCY } from "../events/service.ts";
import { orderCommitted, findOrderByIdempotencyKey, insertOrder, orderSeats, soldAmong, type NewOrder } from "../orders/repository.ts";
import { toOrderView, type OrderView } from "../orders/service.ts";
import { releaseSessionHolds, sessionHolds } from "../holds/session-holds.ts";
import { soldOutWhenAllSold } from "../admission/service.ts";
import { HoldNotFoundError, IdempotencyKeyReusedError, NotHoldOwnerError, PurchaseInProgressError } from "../../errors.ts";

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** A bought order, and the seats of the session's other holds that the purchase let go. */
export type PurchasedOrder = OrderView & { releasedSeatIds: string[] };

export interface PurchaseOutcome {
  status: number;
  body: PurchasedOrder | ErrorBody;
}

type IdempotencyRecord = { state: "pending"; holdId: string } | { state: "done"; holdId: string; outcome: PurchaseOutcome };

/** An error outcome: recorded under the Idempotency-Key and replayed as it is, so its code is one of the table's too. */
const refusal = (error: AppError): PurchaseOutcome => ({ status: error.status, body: errorBody(error) });
const fail = (code: ErrorCode, message?: string): PurchaseOutcome => refusal(new AppError(code, message));

interface Purchase {
  deps: Deps;
  entry: CatalogEvent;
  session: ActiveSession;
  holdId: string;
  idempotencyKey: string;
  idemKey: string;
  paymentMethod: string | undefined;
  /** set once the outcome is in the idempotency record */
  recorded?: boolean;
}

export async function purchase(
  deps: Deps,
  session: ActiveSession,
  eventId: string,
  holdId: string,
  idempotencyKey: string,
  paymentMethod?: string,
): Promise<PurchaseOutcome> {
  const entry = await deps.catalog.get(eventId);
  const idemKey = entry.keys.idempotency(session.sid, idempotencyKey);
  const pending: IdempotencyRecord = { state: "pending", holdId };
  // One script claims the key (SET NX GET), or returns the record already there, and reads
  // the hold; the hold is used only when the claim succeeds.
  const { previous, hold } = await scripts.claimPurchase(deps.redis, entry.keys, { holdId, idempotencyKey: idemKey, pending: JSON.stringify(pending), recordMs: IDEMPOTENCY_TTL_MS });
  if (previous !== null) {
    const record = JSON.parse(previous) as IdempotencyRecord;
    if (record.holdId !== holdId) throw new IdempotencyKeyReusedError();
    if (record.state === "pending") {
      if (hold.sid !== null && Number(hold.expiresAt) > deps.clock.now()) throw new PurchaseInProgressError();
      // The hold has run out while the key is still pending: the process running the purchase
      // died (or its settlement outlived the hold). MySQL has the answer; nothing is
      // recorded here, so a settlement that finishes later still records its outcome.
      const existing = await findOrderByIdempotencyKey(deps.database.db, session.sid, idempotencyKey);
      if (existing) return { status: 201, body: { ...toOrderView(existing, await orderSeats(deps.database.db, existing)), releasedSeatIds: [] } };
      throw new HoldNotFoundError();
    }
    return record.outcome;
  }

  const p: Purchase = { deps, entry, session, holdId, idempotencyKey, idemKey, paymentMethod };
  const outcome = await run(p, hold.sid, hold.seats);
  if (outcome && !p.recorded) await recordOutcome(p, outcome);
  return outcome ?? fail("PURCHASE_PENDING");
}

const doneRecord = (p: Purchase, outcome: PurchaseOutcome) => JSON.stringify({ state: "done", holdId: p.holdId, outcome } satisfies IdempotencyRecord);

async function recordOutcome(p: Purchase, outcome: PurchaseOutcome): Promise<void> {
  const record = doneRecord(p, outcome);
  await p.deps.retrier.submit({
    name: `record outcome of ${p.idemKey}`,
    run: async () => void (await p.deps.redis.set(p.idemKey, record, "PX", IDEMPOTENCY_TTL_MS)),
    deadline: Date.now() + IDEMPOTENCY_TTL_MS,
  });
}

/** Returns the outcome, or null when it stays unknown (settled later in the background). */
async function run(p: Purchase, owner: string | null, seats: string | null): Promise<PurchaseOutcome | null> {
  const { deps, entry, session, holdId } = p;
  const orderId = randomId("ord");
  const windowMs = deps.config.purchaseWindowSeconds * 1000;
  let seatIds: string[] = [];
  try {
    if (!owner || !seats) throw new HoldNotFoundError();
    if (owner !== session.sid) throw new NotHoldOwnerError();
    seatIds = seats.split(",");
    await deps.admission.sessions.whileLive(session, async () =>
      expectOk(await scripts.beginPurchase(deps.redis, entry.keys, { sessionId: session.sid, holdId, customerId: session.customer, now: deps.clock.now(), windowMs, purchaseId: orderId, seatIds })),
    );
  } catch (error) {
    // the line is being restored: nothing ran, so the key is freed for the retry
    if (error instanceof RestoringError) {
      await deps.redis.del(p.idemKey).catch(() => {});
      throw error;
    }
    if (error instanceof AppError) return refusal(error);
    // Redis failed before anything was charged: undo what may have run and let the
    // client try again with the same key.
    if (seatIds.length > 0) void release(p, orderId, seatIds, windowMs);
    await deps.redis.del(p.idemKey).catch(() => {});
    throw error;
  }

  const steps = compensation(p, orderId, seatIds, windowMs);
  const amountCents = seatIds.reduce((sum, id) => sum + entry.seatById.get(id)!.priceCents, 0);

  let charge: ChargeResult;
  try {
    charge = await chargeWithTimeout(deps, { orderId, amountCents, currency: CURRENCY, sessionId: session.sid, paymentMethod: p.paymentMethod });
  } catch (error) {
    // The charge may have gone through: void it by order id.
    await Promise.all([steps.release(), steps.refund("payment unconfirmed")]);
    if (error instanceof PaymentTimeoutError) return fail("PAYMENT_TIMEOUT");
    return fail("PAYMENT_UNAVAILABLE");
  }
  if (charge.status === "declined") {
    await steps.release();
    return fail("PAYMENT_DECLINED", `The payment was declined (${charge.reason}); the seats are released.`);
  }

  const order: NewOrder = {
    id: orderId,
    eventId: entry.event.id,
    sessionId: session.sid,
    customerId: session.customer,
    idempotencyKey: p.idempotencyKey,
    holdId,
    amountCents,
    currency: CURRENCY,
    paymentId: charge.paymentId,
    createdAt: new Date(deps.clock.now()),
    seats: seatIds.map((seatId) => ({ seatId, priceCents: entry.seatById.get(seatId)!.priceCents })),
  };
  const success = async (): Promise<PurchaseOutcome> => ({
    status: 201,
    body: { ...toOrderView({ ...order, status: "paid", refundedAt: null }, order.seats), releasedSeatIds: await otherHeldSeats(p, seatIds) },
  });

  const dbStarted = performance.now();
  const inserted = await insertOrder(deps.database.db, order);
  // the database transaction's time (connection wait included): what adaptive mode steers by, and a histogram
  const dbMs = performance.now() - dbStarted;
  deps.admission.dbLatency.record(entry.event.id, dbMs, deps.clock.now());
  deps.metrics.purchaseDbDuration.observe(dbMs / 1000);
  switch (inserted.kind) {
    case "committed": {
      // The sale and the idempotency record reach Redis in one script call.
      const outcome = await success();
      await steps.complete(outcome);
      p.recorded = true;
      return outcome;
    }
    case "seat-taken":
      // The unique index saw a sale Redis did not know about: learn it, then compensate.
      await Promise.all([steps.learnSold(), steps.release(), steps.refund("seat already sold")]);
      return fail("SEAT_SOLD", "One of these seats was sold to someone else; the payment is refunded and the other seats released.");
    case "customer-limit":
      // customer_tickets' CHECK saw more tickets than the limit (Redis lost or never had the count): compensate.
      await Promise.all([steps.release(), steps.refund("customer limit reached")]);
      return fail("CUSTOMER_LIMIT", "This would pass the event's limit of tickets per customer (over all your orders); the payment is refunded and the seats released.");
    case "idempotency-key-used": {
      await Promise.all([steps.release(), steps.refund("duplicate idempotency key")]);
      const existing = await findOrderByIdempotencyKey(deps.database.db, session.sid, p.idempotencyKey);
      if (existing) return { status: 201, body: { ...toOrderView(existing, await orderSeats(deps.database.db, existing)), releasedSeatIds: [] } };
      return fail("PURCHASE_IN_PROGRESS", "This Idempotency-Key is already in use.");
    }
    case "failed":
      logFailure(orderId, inserted.error);
      await Promise.all([steps.release(), steps.refund("order not saved")]);
      return fail("ORDER_NOT_SAVED");
    case "ambiguous": {
      logFailure(orderId, inserted.error);
      const settle = async (): Promise<PurchaseOutcome> => {
        // Throws while MySQL cannot answer; then the hold stays (it expires on its own).
        if (await orderCommitted(deps.database.pool, orderId)) {
          const outcome = await success();
          await steps.complete(outcome);
          p.recorded = true;
          return outcome;
        }
        await Promise.all([steps.release(), steps.refund("order not saved")]);
        return fail("ORDER_NOT_SAVED");
      };
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          return await settle();
        } catch {
          await Bun.sleep(100 * (attempt + 1));
        }
      }
      void deps.retrier.submit({ name: `settle order ${orderId}`, run: async () => recordOutcome(p, await settle()) });
      return null;
    }
  }
}

function compensation(p: Purchase, orderId: string, seatIds: string[], windowMs: number) {
  const { deps, entry, session, holdId } = p;
  return {
    release: () => release(p, orderId, seatIds, windowMs),
    refund: (reason: string) => deps.retrier.submit({ name: `refund ${orderId}`, run: () => deps.payments.refund(orderId, reason) }),
    /**
     * The sale in Redis and `outcome` in the idempotency record; the session ends there, then
     * its other holds are released (after the end, so no new hold can slip in behind).
     */
    complete: (outcome: PurchaseOutcome) => {
      const record = doneRecord(p, outcome);
      return deps.retrier.submit({
        name: `record sale ${orderId}`,
        run: async () => {
          expectOk(await scripts.completePurchase(deps.redis, entry.keys, { sessionId: session.sid, holdId, customerId: session.customer, seatIds, idempotencyKey: p.idemKey, record, recordMs: IDEMPOTENCY_TTL_MS }));
          await releaseSessionHolds(deps.redis, entry.keys, session.sid, holdId);
          // the last seat: the sale moves to sold out now (if this fails, the leader's next sample does it)
          await soldOutWhenAllSold(deps, entry.event.id, entry.seats.length).catch(() => false);
        },
      });
    },
    learnSold: () =>
      deps.retrier.submit({
        name: `record seats sold elsewhere (${orderId})`,
        run: async () => {
          const sold = await soldAmong(deps.database.db, entry.event.id, seatIds);
          if (sold.length > 0) await deps.redis.sadd(entry.keys.sold, ...sold);
        },
      }),
  };
}

/**
 * Seats of the session's other holds (not this one, not one being bought elsewhere): the
 * purchase releases them, and says so. Read before the sale is recorded; a failed read
 * only leaves the list empty, the release happens anyway.
 */
async function otherHeldSeats(p: Purchase, seatIds: string[]): Promise<string[]> {
  try {
    // the usual case, one hold: the session's seat index names only this hold's seats
    const indexed = await p.deps.redis.zrange(p.entry.keys.sessionSeats(p.session.sid), 0, -1);
    if (indexed.every((id) => seatIds.includes(id))) return [];
    const holds = await sessionHolds(p.deps.redis, p.entry.keys, p.session.sid, p.holdId);
    return holds.filter((h) => !h.purchase).flatMap((h) => h.seatIds);
  } catch {
    return [];
  }
}

/** Owner-checked release of the hold this purchase was buying; retried until the hold would have expired anyway. */
function release(p: Purchase, orderId: string, seatIds: string[], windowMs: number) {
  const { deps, entry, session, holdId } = p;
  return deps.retrier.submit({
    name: `release hold ${holdId}`,
    // Any answer settles it: released, already gone, or (never expected) someone else's.
    run: async () => void (await scripts.releaseHold(deps.redis, entry.keys, { sessionId: session.sid, holdId, customerId: session.customer, seatIds, purchaseId: orderId })),
    deadline: Date.now() + windowMs,
  });
}

async function chargeWithTimeout(deps: Deps, request: Parameters<Deps["payments"]["charge"]>[0]): Promise<ChargeResult> {
  const ms = deps.config.paymentTimeoutMs;
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new PaymentTimeoutError(ms);
      controller.abort(error);
      reject(error);
    }, ms);
  });
  try {
    return await Promise.race([deps.payments.charge(request, controller.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function logFailure(orderId: string, error: unknown) {
  console.error(`order ${orderId}: database write failed:`, error instanceof Error ? error.message : error);
}
