/**
 * The edge tests' stack: the production Worker in workerd, a real origin process behind it,
 * the dev Upstash bridge, on a redis-server and a MariaDB database of the stack's own, and
 * clients of both for the test to read. One start and one stop, so each edge test file
 * names only what it does differently (the Worker's vars); the events it made go with the
 * Redis and the database at the end.
 */
import Redis from "ioredis";
import mysql from "mysql2/promise";
import { startBridge, type TestBridge } from "./bridge.ts";
import { uniqueEventId } from "./event-ids.ts";
import { adminApi, type AdminApi } from "./events.ts";
import { freePort } from "./free-port.ts";
import { startOrigin, type OriginProcess } from "./origin-process.ts";
import { createPrivateDatabase } from "./private-database.ts";
import { PrivateRedis } from "./private-redis.ts";
import { startWorkerdEdge, type WorkerdEdge } from "./workerd-edge.ts";

export interface EdgeStack {
  redis: Redis;
  pool: mysql.Pool;
  bridge: TestBridge;
  origin: OriginProcess;
  edge: WorkerdEdge;
  admin: AdminApi;
  /** the events openEvent made (they go with the stack) */
  events: string[];
  /**
   * A new event with its waiting room already open (opened a second ago), through the origin's
   * admin API: `queue` the room's settings, `event` the event's fields.
   */
  openEvent(label: string, queue?: Record<string, unknown>, event?: Record<string, unknown>): Promise<string>;
  stop(): Promise<void>;
}

/** A documentation-range IPv6 address per fan: every fan comes from its own network. */
export const fanIp = (i: number) => `2001:db8::${(i + 1).toString(16)}`;

/**
 * Starts the stack; `vars` override the Worker's variables, `originEnv` the origin's
 * environment, `label` names its database. What started is stopped again if a later part fails.
 */
export async function startEdgeStack(opts: { vars?: Record<string, string>; originEnv?: Record<string, string>; label?: string } = {}): Promise<EdgeStack> {
  const stops: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const s of stops.splice(0)) await s().catch(() => {});
  };
  try {
    // a Redis and a database of the stack's own (test/kit/private-database.ts says why)
    const database = await createPrivateDatabase(opts.label ?? "edge");
    stops.unshift(database.drop);
    const server = await PrivateRedis.start();
    stops.unshift(() => server.kill());
    const redis = new Redis(server.url);
    stops.unshift(async () => redis.disconnect());
    const pool = mysql.createPool({ uri: database.url, connectionLimit: 2 });
    stops.unshift(() => pool.end());
    const bridge = await startBridge({ redisUrl: server.url });
    stops.unshift(() => bridge.stop());
    const origin = await startOrigin({ env: { REDIS_URL: server.url, DATABASE_URL: database.url, ...opts.originEnv }, port: await freePort() });
    stops.unshift(() => origin.stop());
    const edge = await startWorkerdEdge({ upstashUrl: bridge.url, originUrl: origin.url, vars: opts.vars });
    stops.unshift(() => edge.stop());
    const events: string[] = [];
    const admin = adminApi(origin.url);
    return {
      redis,
      pool,
      bridge,
      origin,
      edge,
      admin,
      events,
      async openEvent(label, queue = {}, event = {}) {
        const eventId = uniqueEventId(label);
        events.push(eventId);
        await admin.createEventWithQueue({ id: eventId, ...event }, { opensAt: new Date(Date.now() - 1000).toISOString(), ...queue });
        return eventId;
      },
      // the events go with the stack's Redis and database
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
