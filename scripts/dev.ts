/**
 * `bun run dev`: the whole stack on one machine. Uses the Redis and MySQL at
 * REDIS_URL / DATABASE_URL when they answer, otherwise starts private ones under
 * .data/; applies migrations, seeds the demo event, starts the origin and the
 * edge (wrangler dev, offline), prints the edge URL and an organiser link that opens the
 * dashboard signed in (local development only: the link carries the local admin key), and
 * stops everything on Ctrl-C.
 * `bun run dev -- --origins N` starts N origin instances behind a local round-robin
 * balancer on ORIGIN_PORT (the edge talks to the balancer).
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ensureDevSecrets } from "../test/kit/dev-secrets.ts";
import { ensureMysql, ensureRedis, MissingServerError, type LocalService } from "../test/kit/local-services.ts";
import { startOrigin } from "../test/kit/origin-process.ts";
import { startBalancer } from "../test/kit/balancer.ts";
import { freePort } from "../test/kit/free-port.ts";
import { devToolVariables } from "../test/kit/dev-variables.ts";
import { startEdge } from "../test/kit/wrangler-edge.ts";

const root = join(import.meta.dir, "..");
// CONCERT_U_DATA_DIR moves the private servers' data elsewhere (tests use a temporary folder).
const dataDir = process.env.CONCERT_U_DATA_DIR ?? join(root, devToolVariables.CONCERT_U_DATA_DIR.default);
const stops: Array<() => Promise<void>> = [];
let stopping = false;

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    console.log("\nstopping...");
    for (const stop of stops.reverse()) await stop().catch((e) => console.error(String(e)));
  }
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

function step(what: string) {
  console.log(`- ${what}`);
}

async function run(cmd: string[], env: Record<string, string>) {
  const proc = Bun.spawn(cmd, { cwd: root, env: { ...process.env, ...env }, stdout: "inherit", stderr: "inherit" });
  if ((await proc.exited) !== 0) throw new Error(`\`${cmd.join(" ")}\` failed`);
}

const { values: flags } = parseArgs({ args: Bun.argv.slice(2), options: { origins: { type: "string", default: "1" } } });
const originCount = Number(flags.origins);
if (!Number.isInteger(originCount) || originCount < 1 || originCount > 16) {
  console.error("--origins must be a whole number from 1 to 16");
  process.exit(1);
}

try {
  const started = Date.now();
  const secrets = await ensureDevSecrets();

  step("redis");
  const redis: LocalService & { started: boolean } = await ensureRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", dataDir);
  stops.push(redis.stop);
  step(redis.started ? `started a private redis-server at ${redis.url} (data in .data/redis)` : `using ${redis.url}`);

  step("mysql");
  const mysql = await ensureMysql(process.env.DATABASE_URL ?? "mysql://root@127.0.0.1:3306/test", dataDir);
  stops.push(mysql.stop);
  step(mysql.started ? `started a private database server at ${mysql.url} (data in .data/mysql)` : `using ${mysql.url}`);

  const env = { ...secrets, REDIS_URL: redis.url, DATABASE_URL: mysql.url };
  step("migrations and demo event");
  await run(["bun", "origin/src/db/migrate.ts"], env);
  await run(["bun", "origin/src/db/seed.ts"], env);

  const originPort = Number(process.env.ORIGIN_PORT ?? 3000);
  let origin: { url: string };
  if (originCount === 1) {
    step("origin");
    const only = await startOrigin({ env, port: originPort });
    stops.push(only.stop);
    origin = only;
  } else {
    step(`${originCount} origins behind a round-robin balancer`);
    const instances = await Promise.all(Array.from({ length: originCount }, async () => startOrigin({ env, port: await freePort() })));
    for (const instance of instances) stops.push(instance.stop);
    const balancer = startBalancer({ upstreams: instances.map((i) => i.url), port: originPort });
    stops.push(async () => balancer.stop());
    origin = balancer;
    step(`balancer ${balancer.url} -> ${instances.map((i) => i.url).join(", ")}`);
  }

  step("edge");
  const edge = await startEdge({ port: Number(process.env.EDGE_PORT ?? devToolVariables.EDGE_PORT.default), originUrl: origin.url, redisUrl: redis.url, env });
  stops.push(edge.stop);

  console.log(`
Concert-U is running (${((Date.now() - started) / 1000).toFixed(1)}s):
  edge (open this):  ${edge.url}/events/demo
  edge URL:          ${edge.url}
  organiser:         ${edge.url}/organiser/events/demo#key=${encodeURIComponent(secrets.ADMIN_KEY!)}
                     (opens signed in: the key is after #, which the browser keeps to itself)
  admin key:         ${secrets.ADMIN_KEY}
  origin Swagger:    ${origin.url}/swagger   (OpenAPI JSON: ${origin.url}/swagger/json)
Ctrl-C stops everything.`);
  await new Promise(() => {});
} catch (error) {
  console.error(`\nbun run dev failed: ${error instanceof Error ? error.message : String(error)}`);
  if (error instanceof MissingServerError) console.error("Set REDIS_URL / DATABASE_URL to servers that answer, or install the servers as said above.");
  await shutdown(1);
}
