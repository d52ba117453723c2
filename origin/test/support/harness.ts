/**
 * Builds an isolated origin for a test: its own Redis connection and MySQL pool (real
 * servers), a simulated payment provider, and a fresh event with a unique id, so test
 * files can run while others use the same servers.
 */
import type Redis from "ioredis";
import { globalKeys } from "../../../common/keys.ts";
import { createApp, type App } from "../../src/app.ts";
import { parseConfig, type Config } from "../../src/config.ts";
import { createDatabase, type Database } from "../../src/db/client.ts";
import type { EventInput } from "../../src/modules/admin/service.ts";
import { SimulatedPaymentProvider } from "../../src/payments/simulated.ts";
import { connectRedis } from "../../src/redis/client.ts";
import { mintActiveSessions, signingKeyFromEnv, type MintedSession } from "../../../test/kit/dev-sessions.ts";
import { uniqueEventId } from "../../../test/kit/event-ids.ts";
import { createTestEvent } from "../../../test/kit/events.ts";
import { obliterateEvent } from "../../../test/kit/obliterate.ts";

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface HarnessOptions {
  event?: Partial<EventInput>;
  config?: Partial<Config>;
  redisUrl?: string;
  databaseUrl?: string;
  poolSize?: number;
}

export const testConfig = (overrides: Partial<Config> = {}): Config => ({ ...parseConfig(process.env), ...overrides });

export class Harness {
  readonly createdEvents: string[] = [];

  private constructor(
    readonly app: App,
    readonly config: Config,
    readonly redis: Redis,
    readonly database: Database,
    readonly payments: SimulatedPaymentProvider,
    readonly eventId: string,
  ) {}

  static async create(label: string, options: HarnessOptions = {}): Promise<Harness> {
    const config = testConfig({ ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}), ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}), ...options.config });
    const redis = await connectRedis(config.redisUrl, config.redisClusterNodes, config.redisCommandTimeoutMs);
    const database = createDatabase(config.databaseUrl, options.poolSize ?? 8);
    const payments = new SimulatedPaymentProvider("approve", 0);
    const app = createApp({ config, redis, database, payments });
    const harness = new Harness(app, config, redis, database, payments, uniqueEventId(label));
    await harness.createEvent({ id: harness.eventId, ...options.event });
    return harness;
  }

  /** Another event (the kit's small hall unless `input` says otherwise), removed with the harness. */
  async createEvent(input: Partial<EventInput> & { id: string }) {
    this.createdEvents.push(input.id);
    return createTestEvent(this.app.deps, input);
  }

  sessions(count: number, ttlSeconds = 600, eventId = this.eventId): Promise<MintedSession[]> {
    return mintActiveSessions(this.redis, { eventId, count, ttlSeconds, key: signingKeyFromEnv(process.env) });
  }

  /** Sessions whose tokens all name one customer (`cus`), as after the identity step. */
  customerSessions(customerId: string, count: number, eventId = this.eventId): Promise<MintedSession[]> {
    return mintActiveSessions(this.redis, { eventId, count, ttlSeconds: 600, key: signingKeyFromEnv(process.env), customerId });
  }

  /** what the edge adds to every request it forwards */
  edgeHeaders(): Record<string, string> {
    const secret = this.app.deps.config.originAuthSecrets[0];
    return secret ? { "x-origin-auth": secret } : {};
  }

  async call<T = any>(method: string, path: string, init: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Reply<T>> {
    // the harness stands in for the edge, which sends the origin-auth secret on every request
    const headers: Record<string, string> = { ...this.edgeHeaders(), ...init.headers };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    if (init.body !== undefined) headers["content-type"] = "application/json";
    const response = await this.app.handle(
      new Request(`http://origin.test${path}`, { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) }),
    );
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: the assertion on the body will show it
    }
    return { status: response.status, body: body as T, headers: response.headers };
  }

  hold(token: string, seatIds: string[], eventId = this.eventId) {
    return this.call("POST", `/api/events/${eventId}/holds`, { token, body: { seatIds } });
  }

  purchase(token: string, holdId: string, idempotencyKey: string = crypto.randomUUID(), eventId = this.eventId) {
    return this.call("POST", `/api/events/${eventId}/holds/${holdId}/purchase`, { token, headers: { "idempotency-key": idempotencyKey } });
  }

  release(token: string, holdId: string, eventId = this.eventId) {
    return this.call("DELETE", `/api/events/${eventId}/holds/${holdId}`, { token });
  }

  /** seat id -> status, read through the API with a fresh session */
  async seatStatuses(eventId = this.eventId): Promise<Record<string, string>> {
    const [viewer] = await this.sessions(1, 600, eventId);
    const reply = await this.call("GET", `/api/events/${eventId}/seats`, { token: viewer!.token });
    if (reply.status !== 200) throw new Error(`seat map answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    return Object.fromEntries((reply.body.seats as Array<{ id: string; status: string }>).map((s) => [s.id, s.status]));
  }

  async reservationsOf(seatId: string, eventId = this.eventId) {
    const [rows] = (await this.database.pool.query("SELECT order_id AS orderId FROM reservations WHERE event_id = ? AND seat_id = ?", [eventId, seatId])) as unknown as [
      Array<{ orderId: string }>,
    ];
    return rows;
  }

  async ordersOfEvent(eventId = this.eventId) {
    const [rows] = (await this.database.pool.query("SELECT id, status, session_id AS sessionId FROM orders WHERE event_id = ?", [eventId])) as unknown as [
      Array<{ id: string; status: string; sessionId: string }>,
    ];
    return rows;
  }

  /** Charges still captured without a saved order: money taken for nothing. */
  async strayCharges() {
    const saved = new Set((await this.ordersOfEvent()).map((o) => o.id));
    return this.payments.captured().filter((c) => !saved.has(c.orderId));
  }

  async close(): Promise<void> {
    await this.app.deps.retrier.drain(3000);
    this.app.deps.retrier.stop();
    try {
      for (const id of this.createdEvents) await obliterateEvent(this.redis, this.database.pool, id);
    } catch {
      // a test that took a server down may leave rows behind; ids are unique anyway
    }
    this.redis.disconnect();
    await this.database.close();
  }
}

export const errorShape = { code: expect.any(String), message: expect.any(String) };

import { expect } from "bun:test";

/**
 * A capacity environment of the test file's own: a measurement that starts (on purpose,
 * or by mistake) stores its result there, apart from the developer's. `enter()` before the
 * harness is created, `leave(redis)` after the file.
 */
export function scratchCapacityEnvironment(label: string) {
  const environment = `t-${label}-${Date.now().toString(36)}`;
  const saved = { CAPACITY_ENVIRONMENT: process.env.CAPACITY_ENVIRONMENT, CAPACITY_FILE: process.env.CAPACITY_FILE };
  return {
    environment,
    enter() {
      process.env.CAPACITY_ENVIRONMENT = environment;
      process.env.CAPACITY_FILE = `/tmp/concert-u-${environment}.json`;
    },
    async leave(redis: Redis) {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      await redis.del(globalKeys.capacity(environment));
    },
  };
}
