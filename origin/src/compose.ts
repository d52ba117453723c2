/**
 * The composition root: builds every part the features use (`Deps`) from the connections
 * main.ts or a test opened, once. The admission layer's parts are wired here to what they
 * report to (metrics, dashboard samples) and ask of (the event catalogue), so no layer
 * imports one above it (origin/src/LAYERS.md).
 */
import type Redis from "ioredis";
import { parseSchedulerConfig } from "./admission/config.ts";
import { AdmissionRuntime } from "./admission/runtime.ts";
import { createRoomRoutesReader } from "./auth/room-routes.ts";
import { createTokenVerifier, type TokenVerifier } from "./auth/token-verifier.ts";
import { compileAndPublish } from "./modules/rooms/service.ts";
import type { Config } from "./config.ts";
import type { Database } from "./db/client.ts";
import type { Deps } from "./deps.ts";
import { systemClock, type Clock } from "./lib/clock.ts";
import { createRetrier, type Retrier } from "./lib/retrier.ts";
import { publishCodes } from "./modules/access/service.ts";
import { publishRules } from "./modules/bypass/service.ts";
import { publishTemplates } from "./modules/templates/service.ts";
import { DashboardSampler } from "./modules/dashboard/sampler.ts";
import { EventCatalog, tierLayout } from "./modules/events/catalog.ts";
import { SeatStateReader } from "./modules/events/seat-states.ts";
import { BestSeatPicker } from "./modules/holds/best-seat-picker.ts";
import { HonestLine } from "./modules/admission/honest-line.ts";
import { syncEvent } from "./modules/events/sync.ts";
import type { Mailer } from "./modules/identity/mailer.ts";
import { logJson } from "./modules/metrics/log.ts";
import { OriginMetrics } from "./modules/metrics/service.ts";
import { SaleSampleWriter } from "./modules/report/samples.ts";
import { TurnMailer } from "./modules/turn-mail/service.ts";
import { smtpTransport, type MailTransport } from "./modules/turn-mail/transport.ts";
import { WaitlistKeeper } from "./modules/waitlist/keeper.ts";
import type { PaymentProvider } from "./payments/provider.ts";

export interface AppDependencies {
  config: Config;
  redis: Redis;
  database: Database;
  payments: PaymentProvider;
  clock?: Clock;
  retrier?: Retrier;
  verifier?: TokenVerifier;
  catalog?: EventCatalog;
  seatStates?: SeatStateReader;
  /** how turn emails go out; SMTP from config.mail when absent (none when no SMTP_HOST) */
  mailTransport?: MailTransport;
  /** first retry of a failed turn email after this (ms); 1 s when absent */
  mailRetryDelayMs?: number;
  mailer?: Mailer | null;
}

/** `env`: where the admission settings are read (ADMISSION_*, CAPACITY_*). */
export function buildDeps(input: AppDependencies, env: Record<string, string | undefined> = process.env): Deps {
  const clock = input.clock ?? systemClock;
  const catalog = input.catalog ?? new EventCatalog(input.database.db);
  const metrics = new OriginMetrics({ redis: input.redis, db: input.database.db, clock });
  const admissionConfig = parseSchedulerConfig(env);
  // built once Deps exist (it moves a sold-out sale through the admission service); samples start after
  let honestLine: HonestLine | undefined;
  // the waiting list after sell-out, kept by each event's leader (built once Deps exist)
  let waitlist: WaitlistKeeper | undefined;
  // the whole sale, every few seconds, in MySQL for the report after it
  const saleSamples = new SaleSampleWriter({ pool: input.database.pool, redis: input.redis });
  const dashboardSampler = new DashboardSampler({
    redis: input.redis,
    clock,
    seatKeys: async (eventId) => (await catalog.find(eventId))?.seatKeys ?? null,
    latencyWindowMs: admissionConfig.adaptive.windowMs,
    onError: (event, error) => logJson("warn", "dashboard sample failed", { event, error }),
    onSample: async (eventId, sample) => {
      await Promise.all([honestLine?.observe(eventId, sample), saleSamples.observe(eventId, sample)]);
    },
  });
  // the turn email: the tick only hands its admitted tickets over; the mailer sends off the tick
  const mail = input.config.mail;
  const transport = input.mailTransport ?? (mail ? smtpTransport(mail) : null);
  const turnMailer =
    mail && transport
      ? new TurnMailer({
          redis: input.redis,
          clock,
          send: (m) => transport.send(m),
          concurrency: mail.concurrency,
          retries: mail.retries,
          timeZone: mail.timeZone,
          retryDelayMs: input.mailRetryDelayMs,
          eventName: async (eventId) => (await catalog.find(eventId))?.event.name ?? null,
          sent: (event) => metrics.turnMailsSent.inc({ event }),
          retried: (event) => metrics.turnMailRetries.inc({ event }),
          failed: (event) => metrics.turnMailFailures.inc({ event }),
          warn: (message, fields) => logJson("warn", message, fields),
        })
      : null;
  const observer = metrics.schedulerObserver(() => admission.scheduler.instanceId);
  const admission: AdmissionRuntime = new AdmissionRuntime({
    redis: input.redis,
    db: input.database.db,
    clock,
    config: admissionConfig,
    hooks: {
      about: async (eventId) => (await catalog.find(eventId))?.event ?? null,
      republish: async (eventId) => {
        const entry = await catalog.find(eventId);
        if (entry) await syncEvent(input.redis, input.database.db, entry.event, entry.tiers);
        await publishCodes(input.redis, input.database.db, eventId, clock.now());
        await publishRules(input.redis, input.database.db, eventId);
        await publishTemplates(input.redis, input.database.db, eventId);
      },
    },
    observer: {
      ...observer,
      tick: (eventId, result, rate, ceiling, seconds) => {
        observer.tick?.(eventId, result, rate, ceiling, seconds);
        dashboardSampler.tick(eventId, result, rate, ceiling.rate);
        if (turnMailer && result.admittedTickets.length > 0) turnMailer.admitted(eventId, result.admittedTickets.map((t) => t.ticketId), result.deadline);
      },
    },
    leaderTick: async (eventId, run) => waitlist?.tick(eventId, run),
    observerSettled: () => dashboardSampler.settled(),
    seatTiers: async (eventId) => {
      const entry = await catalog.find(eventId);
      return entry ? tierLayout(entry) : null;
    },
  });
  const deps: Deps = {
    ...input,
    clock,
    retrier: input.retrier ?? createRetrier(),
    verifier: input.verifier ?? createTokenVerifier({ jwks: input.config.activeJwks, clock, cacheSize: input.config.tokenCacheSize }),
    rooms: createRoomRoutesReader({ redis: input.redis, clock, rebuild: () => compileAndPublish(input.redis, input.database.db) }),
    catalog,
    seatStates: input.seatStates ?? new SeatStateReader(input.redis, input.config.seatReadIntervalMs),
    bestSeats: new BestSeatPicker(),
    metrics,
    dashboardSampler,
    admission,
    turnMailer,
    mailTransport: transport,
    mailer: input.mailer !== undefined ? input.mailer : transport ? { send: (m) => transport.send(m) } : null,
  };
  honestLine = new HonestLine(deps);
  waitlist = new WaitlistKeeper(deps, (level, msg, fields) => logJson(level, msg, fields));
  return deps;
}
