import type Redis from "ioredis";
import type { Config } from "./config.ts";
import type { Database } from "./db/client.ts";
import type { PaymentProvider } from "./payments/provider.ts";
import type { Clock } from "./lib/clock.ts";
import type { Retrier } from "./lib/retrier.ts";
import type { TokenVerifier } from "./auth/token-verifier.ts";
import type { EventCatalog } from "./modules/events/catalog.ts";
import type { SeatStateReader } from "./modules/events/seat-states.ts";

/** Everything the services use; built once by main.ts, or per test. */
export interface Deps {
  config: Config;
  redis: Redis;
  database: Database;
  payments: PaymentProvider;
  clock: Clock;
  catalog: EventCatalog;
  /** seat statuses, one shared Redis read at a time per event */
  seatStates: SeatStateReader;
  retrier: Retrier;
  verifier: TokenVerifier;
}
