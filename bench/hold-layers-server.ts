/**
 * One layer of the hold route, served on PORT for `bench/hold-layers.ts`:
 *   evalsha  a bare route doing one EVALSHA (SET NX PX of a fresh key);
 *   script   + the real hold script (holdSeats-6 through ioredis defineCommand), session
 *            taken from the verified-token cache;
 *   service  + the hold service (catalog, seat checks, hold id, the hold's view);
 *   route    + the holds controller (active-token guard, named request and response schemas);
 *   origin   + every plugin of the origin app (body limit, JSON body, drain, request id,
 *            metrics, Swagger): `createApp` as `bun run origin` builds it.
 * All of them answer POST /api/events/:eventId/holds with a JSON body `{ seatIds }`.
 * GET /cpu answers the process's CPU time so far (microseconds).
 * The event to hold seats of is EVENT_ID; tokens are minted by the driver.
 */
import { Elysia } from "elysia";
import { createApp } from "../origin/src/app.ts";
import { buildDeps } from "../origin/src/compose.ts";
import { parseConfig } from "../origin/src/config.ts";
import { createDatabase } from "../origin/src/db/client.ts";
import { holdsController } from "../origin/src/modules/holds/index.ts";
import { holdSeats } from "../origin/src/modules/holds/service.ts";
import { SimulatedPaymentProvider } from "../origin/src/payments/simulated.ts";
import { errorsPlugin } from "../origin/src/plugins/errors.ts";
import { connectRedis } from "../origin/src/redis/client.ts";
import * as scripts from "../origin/src/redis/seat-scripts.ts";
import type { Layer } from "./lib/hold-layers.ts";


const layer = process.argv[2] as Layer;
const eventId = process.env.EVENT_ID!;
const config = parseConfig(process.env);
const redis = await connectRedis(config.redisUrl, config.redisClusterNodes);
const database = createDatabase(config.databaseUrl, 16);
const deps = buildDeps({ config, redis, database, payments: new SimulatedPaymentProvider("approve", 0) });

/** The session of a bearer token, verified once and then answered from the cache (as the guard does). */
async function sessionOf(request: Request) {
  const token = request.headers.get("authorization")!.slice("Bearer ".length);
  const claims = deps.verifier.cached(token) ?? (await deps.verifier.verify(token));
  if (!claims) throw new Error("bench token refused");
  return { sid: claims.sid, eventId: claims.evt, customer: claims.cus ?? claims.sid, iat: claims.iat, exp: claims.exp };
}

const seatIdsOf = (body: unknown) => (body as { seatIds: string[] }).seatIds;

function build(): { handle: Elysia["handle"]; listen: (options: { port: number; hostname: string }) => unknown; get: (path: string, handler: () => unknown) => unknown } {
  switch (layer) {
    case "evalsha": {
      let calls = 0;
      const sha = redis.script("LOAD", "return redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', 60000) and 1 or 0") as Promise<string>;
      return new Elysia().post("/api/events/:eventId/holds", async ({ set }) => {
        const taken = await redis.evalsha(await sha, 1, `cu:{bench-layers-${process.pid}}:${calls++}`, "x");
        set.status = taken === 1 ? 201 : 409;
        return { taken };
      }) as never;
    }
    case "script": {
      let calls = 0;
      return new Elysia().post("/api/events/:eventId/holds", async ({ body, request, set }) => {
        const entry = await deps.catalog.get(eventId);
        const session = await sessionOf(request);
        const [code, detail] = await scripts.holdSeats(redis, entry.keys, { sessionId: session.sid, holdId: `hold_bench${process.pid}x${calls++}`, customerId: session.customer, now: Date.now(), seatIds: seatIdsOf(body) });
        set.status = code === 0 ? 201 : 409;
        return { code, detail };
      }) as never;
    }
    case "service":
      return new Elysia().use(errorsPlugin).post("/api/events/:eventId/holds", async ({ params, body, request, set }) => {
        const hold = await holdSeats(deps, await sessionOf(request), params.eventId, seatIdsOf(body));
        set.status = 201;
        return hold;
      }) as never;
    case "route":
      return new Elysia().use(errorsPlugin).use(holdsController(deps)) as never;
    case "origin":
      return createApp(deps) as never;
  }
}

const app = build();
app.get("/cpu", () => {
  const used = process.cpuUsage();
  return { microseconds: used.user + used.system };
});
process.on("SIGTERM", () => process.exit(0)); // so a CPU profile (BENCH_PROFILE_DIR) is written
app.listen({ port: Number(process.env.PORT), hostname: "127.0.0.1" });
console.log(`hold layer ${layer} on ${process.env.PORT}`);
