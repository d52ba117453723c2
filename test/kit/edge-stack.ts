/**
 * The edge tests' stack: the production Worker in workerd, a real origin process behind it,
 * the dev Upstash bridge, and clients of the same Redis and MySQL the test reads. One start
 * and one stop, so each edge test file names only what it does differently (the Worker's
 * vars) and the events it made are dropped at the end.
 */
import Redis from "ioredis";
import mysql from "mysql2/promise";
import { startBridge, type TestBridge } from "./bridge.ts";
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
  stop(): Promise<void>;
}

/** Starts the stack; `vars` override the Worker's variables, `originEnv` the origin's environment. */
export async function startEdgeStack(opts: { vars?: Record<string, string>; originEnv?: Record<string, string> } = {}): Promise<EdgeStack> {
  const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  const pool = mysql.createPool({ uri: process.env.DATABASE_URL ?? "mysql://root@127.0.0.1:3306/test", connectionLimit: 2 });
  const bridge = await startBridge();
  const origin = await startOrigin({ env: opts.originEnv ?? {}, port: await freePort() });
  const edge = await startWorkerdEdge({ upstashUrl: bridge.url, originUrl: origin.url, vars: opts.vars });
  const events: string[] = [];
  return {
    redis,
    pool,
    bridge,
    origin,
    edge,
    admin: adminApi(origin.url),
    events,
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
