/**
 * What the purchase flow needs from a payment provider. Charges are keyed by order id,
 * so a charge retried or voided after a timeout refers to the same money.
 */
export interface ChargeRequest {
  orderId: string;
  amountCents: number;
  currency: string;
  /** who pays: the active session */
  sessionId: string;
  /** what the fan chose to pay with at checkout (the provider's token for a card, wallet, ...) */
  paymentMethod?: string;
}

export type ChargeResult = { status: "approved"; paymentId: string } | { status: "declined"; reason: string };

export interface PaymentProvider {
  /** Charges once per order id. Rejects when the provider cannot be reached; may hang (the caller times it out via `signal`). */
  charge(request: ChargeRequest, signal: AbortSignal): Promise<ChargeResult>;
  /** Gives the money of an order back (refund after capture, void when the charge may or may not have happened). Idempotent. */
  refund(orderId: string, reason: string): Promise<void>;
}

export class PaymentTimeoutError extends Error {
  constructor(ms: number) {
    super(`payment provider did not answer within ${ms} ms`);
  }
}
