import type { ChargeRequest, ChargeResult, PaymentProvider } from "./provider.ts";
import type { PaymentSimulation } from "../config.ts";

export interface SimulatedCharge {
  orderId: string;
  amountCents: number;
  status: "captured" | "refunded" | "voided";
  paymentId: string;
}

/** Test payment methods a checkout can send, like a card provider's test cards. */
export const SIMULATED_METHODS: Record<string, PaymentSimulation> = {
  sim_approve: "approve",
  sim_decline: "decline",
  sim_timeout: "timeout",
};

/**
 * A payment provider for development, tests and demos: approves, declines, or never
 * answers (to exercise timeouts), after an optional latency. Each charge follows its
 * test payment method (sim_approve, sim_decline, sim_timeout) when it names one, else the
 * provider's mode. It keeps its ledger in memory so tests can see what was charged and
 * given back.
 */
export class SimulatedPaymentProvider implements PaymentProvider {
  readonly ledger = new Map<string, SimulatedCharge>();
  /** called before each charge is decided; lets a demo or test pause a charge */
  beforeCharge: ((request: ChargeRequest) => Promise<void>) | undefined;

  constructor(
    public mode: PaymentSimulation = "approve",
    public latencyMs = 0,
  ) {}

  async charge(request: ChargeRequest, signal: AbortSignal): Promise<ChargeResult> {
    if (this.latencyMs > 0) await abortableSleep(this.latencyMs, signal);
    if (this.beforeCharge) await this.beforeCharge(request);
    signal.throwIfAborted();
    const mode = (request.paymentMethod && SIMULATED_METHODS[request.paymentMethod]) || this.mode;
    if (mode === "timeout") {
      // The charge goes through at the provider, but the answer never comes back.
      this.record(request, "captured");
      await new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }));
    }
    if (mode === "decline") return { status: "declined", reason: "card declined (simulated)" };
    const existing = this.ledger.get(request.orderId);
    if (existing) return { status: "approved", paymentId: existing.paymentId };
    return { status: "approved", paymentId: this.record(request, "captured").paymentId };
  }

  async refund(orderId: string): Promise<void> {
    const charge = this.ledger.get(orderId);
    if (charge && charge.status === "captured") charge.status = "refunded";
    else if (!charge) this.ledger.set(orderId, { orderId, amountCents: 0, status: "voided", paymentId: "" });
  }

  /** orders whose money is currently taken */
  captured(): SimulatedCharge[] {
    return [...this.ledger.values()].filter((c) => c.status === "captured");
  }

  private record(request: ChargeRequest, status: SimulatedCharge["status"]): SimulatedCharge {
    const charge = { orderId: request.orderId, amountCents: request.amountCents, status, paymentId: `pay_${request.orderId}` };
    this.ledger.set(request.orderId, charge);
    return charge;
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });
}
