import type Redis from "ioredis";
import type { Config } from "./config.ts";
import type { Database } from "./db/client.ts";
import type { PaymentProvider } from "./payments/provider.ts";
import type { Clock } from "./lib/clock.ts";
import type { Retrier } from "./lib/retrier.ts";
import type { RoomRoutesReader } from "./auth/room-routes.ts";
import type { TokenVerifier } from "./auth/token-verifier.ts";
import type { AdmissionRuntime } from "./admission/runtime.ts";
import type { DashboardSampler } from "./modules/dashboard/sampler.ts";
import type { EventCatalog } from "./modules/events/catalog.ts";
import type { SeatStateReader } from "./modules/events/seat-states.ts";
import type { BestSeatPicker } from "./modules/holds/best-seat-picker.ts";
import type { Mailer } from "./modules/identity/mailer.ts";
import type { OriginMetrics } from "./modules/metrics/service.ts";
import type { TurnMailer } from "./modules/turn-mail/service.ts";
import type { MailTransport } from "./modules/turn-mail/transport.ts";

/** Everything the services use; built once by the composition root (compose.ts), for main.ts or per test. */
export interface Deps {
  config: Config;
  redis: Redis;
  database: Database;
  payments: PaymentProvider;
  clock: Clock;
  catalog: EventCatalog;
  /** seat statuses, one shared Redis read at a time per event */
  seatStates: SeatStateReader;
  /** keeps this instance's concurrent best-available requests on different seats */
  bestSeats: BestSeatPicker;
  retrier: Retrier;
  verifier: TokenVerifier;
  /** the rooms' routing table: which room's line a covered event is in (a room's token is good there) */
  rooms: RoomRoutesReader;
  /** Prometheus metrics of this instance */
  metrics: OriginMetrics;
  /** organiser dashboard samples, taken on the scheduler ticks this instance leads */
  dashboardSampler: DashboardSampler;
  /** the admission layer: scheduler, capacity, latency recorders, durable line, session recovery */
  admission: AdmissionRuntime;
  /** the turn email's sender, fed by the scheduler's ticks; null when no SMTP_HOST is set */
  turnMailer: TurnMailer | null;
  mailTransport: MailTransport | null;
  /** sends the identity step's one-time codes, through the turn email's SMTP (SMTP_HOST); null: none can be sent */
  mailer: Mailer | null;
}
