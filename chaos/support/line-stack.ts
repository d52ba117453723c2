/**
 * The whole waiting room on a Redis the test owns: a private redis-server, the Upstash
 * REST bridge in front of it, two origin processes (each with its scheduler; one leads,
 * either may) behind one round-robin address, and the production Worker in workerd. What
 * the line-loss tests kill and restart is that Redis. MySQL is the shared server, with a
 * database of the stack's own: origins on an empty Redis restore every room their database
 * holds, and another file's rooms (or a long-lived `demo` line) would be restored beside
 * this one's and slow its restores.
 */
import { adminApi } from "../../test/kit/events.ts";
import { uniqueEventId } from "../../test/kit/event-ids.ts";
import { startBalancer } from "../../test/kit/balancer.ts";
import { startBridge, type TestBridge } from "../../test/kit/bridge.ts";
import { startWorkerdEdge, type WorkerdEdge } from "../../test/kit/workerd-edge.ts";
import { freePort } from "../../test/kit/free-port.ts";
import { startOrigin, type OriginProcess } from "../../test/kit/origin-process.ts";
import { createPrivateDatabase } from "../../test/kit/private-database.ts";
import { PrivateRedis } from "../../test/kit/private-redis.ts";

export interface LineStack {
  redis: PrivateRedis;
  /** the stack's own MySQL database (dropped at stop) */
  databaseUrl: string;
  edgeUrl: string;
  origins: OriginProcess[];
  /** an admin API call on one of the origins */
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  createEvent(label: string, opts: { seats: number; queue: Record<string, unknown>; holdSeconds?: number }): Promise<string>;
  stop(): Promise<void>;
}

export async function startLineStack(originEnv: Record<string, string> = {}, edgeVars: Record<string, string> = {}): Promise<LineStack> {
  const database = await createPrivateDatabase("line");
  const redis = await PrivateRedis.start();
  const databaseUrl = database.url;
  const stops: Array<() => Promise<unknown>> = [database.drop, () => redis.kill()];
  // a part that hangs on its way down (a client quitting a Redis that is gone) never holds up the rest
  const stop = async () => {
    for (const s of stops) await Promise.race([s().catch(() => {}), Bun.sleep(15_000)]);
  };
  try {
    const env = { REDIS_URL: redis.url, DATABASE_URL: databaseUrl, LOG_REQUESTS: "0", ADMISSION_TICK_MS: "100", PAYMENT_LATENCY_MS: "200", ...originEnv };
    const started = await Promise.allSettled([0, 1].map(async () => startOrigin({ env, port: await freePort() })));
    const origins: OriginProcess[] = [];
    for (const s of started) if (s.status === "fulfilled") origins.push(s.value);
    for (const origin of origins) stops.unshift(() => origin.stop());
    for (const s of started) if (s.status === "rejected") throw s.reason;
    // one address in front of both, spreading requests in turn as a load balancer would
    const balancer = startBalancer({ upstreams: origins.map((o) => o.url) });
    stops.unshift(async () => balancer.stop());
    const bridge: TestBridge = await startBridge({ redisUrl: redis.url });
    stops.unshift(() => bridge.stop());
    const edge: WorkerdEdge = await startWorkerdEdge({
      upstashUrl: bridge.url,
      originUrl: balancer.url,
      vars: { TICK_MS: "250", HEARTBEAT_SECONDS: "2", JOIN_LIMIT_PER_MINUTE: "100000", TICKET_LIMIT_PER_MINUTE: "100000", ...edgeVars },
    });
    stops.unshift(() => edge.stop());

    const admin = adminApi(origins[0]!.url);

    return {
      redis,
      databaseUrl,
      edgeUrl: edge.url,
      origins,
      admin: admin.call,
      async createEvent(label, { seats, queue, holdSeconds = 4 }) {
        const seatsPerRow = 50;
        return admin.createEventWithQueue(
          {
            id: uniqueEventId(label),
            name: `Line loss: ${label}`,
            venue: "Test Hall",
            startsAt: "2031-06-01T19:30:00.000Z",
            perOrderLimit: 1,
            holdSeconds,
            sections: [{ name: "A", rows: Math.ceil(seats / seatsPerRow), seatsPerRow, tier: "standard", priceCents: 4500 }],
          },
          queue,
        );
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
