/**
 * The edge tests' stack: the production Worker in workerd, a real origin process behind it,
 * the dev Upstash bridge, and clients of the same Redis and MySQL the test reads. One start
 * and one stop, so each edge test file names only what it does differently (the Worker's
 * vars) and the events it made are dropped at the end.
 */
import Redis from "ioredis";
import mysql from "mysql2/promise";
import { startBridge, type TestBridge } from "./bridge.ts";
import { uniqueEventId } from "./event-ids.ts";
import { adminApi, type AdminApi } from "./events.ts";
import { freePort } from "./free-port.ts";
import { obliterateEvent } from "./obliterate.ts";
import { startOrigin, type OriginProcess } from "./origin-process.ts";
import { startWorkerdEdge, type WorkerdEdge } from "./workerd-edge.ts";

export interface EdgeStack {
  redis: Redis;
  pool: mysql.Pool;
  bridge: TestBridge;
  origin: OriginProcess;
  edge: WorkerdEdge;
  admin: AdminApi;
  /** events to drop when the stack stops */
  events: string[];
  /**
   * A new event with its waiting room already open (opened a second ago), through the origin's
   * admin API: `queue` the room's settings, `event` the event's fields. Dropped at stop.
   */
  openEvent(label: string, queue?: Record<string, unknown>, event?: Record<string, unknown>): Promise<string>;
  stop(): Promise<void>;
}

/** A documentation-range IPv6 address per fan: every fan comes from its own network. */
export const fanIp = (i: number) => `2001:db8::${(i + 1).toString(16)}`;

/** Starts the stack; `vars` override the Worker's variables, `originEnv` the origin's environment. */
export async function startEdgeStack(opts: { vars?: Record<string, string>; originEnv?: Record<string, string> } = {}): Promise<EdgeStack> {
  const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  const pool = mysql.createPool({ uri: process.env.DATABASE_URL ?? "mysql://root@127.0.0.1:3306/test", connectionLimit: 2 });
  const bridge = await startBridge();
  const origin = await startOrigin({ env: opts.originEnv ?? {}, port: await freePort() });
  const edge = await startWorkerdEdge({ upstashUrl: bridge.url, originUrl: origin.url, vars: opts.vars });
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
    async stop() {
      await edge.stop();
      await origin.stop();
      for (const eventId of events) await obliterateEvent(redis, pool, eventId).catch(() => {});
      await bridge.stop();
      redis.disconnect();
      await pool.end();
    },
  };
}
