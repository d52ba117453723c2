/**
 * `bun run origin`: builds the real dependencies, restores what Redis needs from MySQL
 * (event settings, sold sets), listens on ORIGIN_PORT, and shuts down cleanly.
 */
import type Redis from "ioredis";
import { createApp } from "./app.ts";
import { Drain } from "./plugins/drain.ts";
import { loadConfig } from "./config.ts";
import { createDatabase } from "./db/client.ts";
import { syncAllEvents } from "./modules/events/sync.ts";
import { SimulatedPaymentProvider } from "./payments/simulated.ts";
import { connectRedis } from "./redis/client.ts";

const config = loadConfig();

let redis: Redis;
try {
  redis = await connectRedis(config.redisUrl, config.redisClusterNodes, config.redisCommandTimeoutMs);
} catch (error) {
  console.error(`cannot reach Redis at REDIS_URL (${config.redisUrl}): ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
const database = createDatabase(config.databaseUrl, config.dbPoolSize);
try {
  const synced = await syncAllEvents(redis, database.db);
  console.log(`restored ${synced.events} event(s) and ${synced.soldSeats} sold seat(s) into Redis from MySQL`);
} catch (error) {
  console.error(`cannot read events from MySQL at DATABASE_URL: ${error instanceof Error ? error.message : String(error)}`);
  console.error("(run `bun run db:migrate` first if the tables are missing)");
  process.exit(1);
}

const payments = new SimulatedPaymentProvider(config.paymentSimulation, config.paymentLatencyMs);
if (config.production) console.warn("warning: the simulated payment provider is in use");
const drain = new Drain();
const app = createApp({ config, redis, database, payments }, { drain });
app.listen({ port: config.port, hostname: config.hostname, idleTimeout: config.idleTimeoutSeconds });
const url = `http://${config.hostname === "0.0.0.0" ? "127.0.0.1" : config.hostname}:${app.server?.port}`;
console.log(`origin listening on ${url} (Swagger: ${url}/swagger)`);
app.deps.admission.start();
console.log(`admission scheduler ${app.deps.admission.scheduler.instanceId} started`);

/**
 * SIGTERM: /ready answers 503 at once and requests are still served for ORIGIN_DRAIN_SECONDS
 * so the load balancer notices; then the listener closes, in-flight requests (purchases)
 * finish, the scheduler hands its leases over, Redis and MySQL close, exit 0 within 30 s.
 */
const SHUTDOWN_BUDGET_MS = 28_000;
let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  const started = Date.now();
  const left = () => Math.max(0, SHUTDOWN_BUDGET_MS - (Date.now() - started));
  drain.begin();
  console.log(`${signal}: draining for ${config.drainSeconds} s (/ready answers 503)`);
  if (config.drainSeconds > 0) await Bun.sleep(config.drainSeconds * 1000);
  const serverStopped = app.server?.stop(false);
  const idle = await drain.waitIdle(left());
  await Promise.race([serverStopped, Bun.sleep(left())]);
  console.log(idle ? "in-flight requests finished" : `gave up waiting for ${drain.inFlight} in-flight request(s)`);
  await app.deps.admission.stop();
  // Give background compensation a moment to finish while Redis and MySQL are still open.
  await app.deps.retrier.drain(Math.min(2000, left()));
  app.deps.retrier.stop();
  // turn emails under way get what is left of the budget; retries not yet due are dropped (counted as never sent)
  await Promise.race([app.deps.turnMailer?.idle(), Bun.sleep(Math.min(2000, left()))]);
  app.deps.turnMailer?.stop();
  app.deps.mailTransport?.close();
  await Promise.allSettled([redis.quit(), database.close()]);
  console.log(`stopped in ${Date.now() - started} ms`);
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
