/**
 * Ceilings for the origin's routes, on Bun with Elysia and nothing else:
 *   POST /bare                a bare route, nothing behind it;
 *   POST /bare/redis          a bare route doing one EVALSHA (SET NX PX of a fresh key) on an
 *                             auto-pipelining ioredis client, as the origin's: the most a
 *                             route that makes one Redis call (a hold) can reach here;
 *   POST /bare/purchase-txn   a bare route doing only the purchase's database write
 *                             (`insertOrder`: order + reservation, one round trip) on a
 *                             mysql2 pool of DB_POOL_SIZE, the origin's own pool size.
 *   GET  /bare/bytes/:n       a bare route answering n bytes of JSON, built once: the most a
 *                             route sending a body that size (a seat map) can reach here.
 */
import { Elysia } from "elysia";
import Redis from "ioredis";
import mysql from "mysql2/promise";
import { connectionOptions } from "../origin/src/db/client.ts";
import { insertOrder } from "../origin/src/modules/orders/repository.ts";

const pool = mysql.createPool({
  ...connectionOptions(process.env.DATABASE_URL ?? "mysql://root@127.0.0.1:3306/test"),
  connectionLimit: Number(process.env.DB_POOL_SIZE ?? 16),
  multipleStatements: true,
});

const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { enableAutoPipelining: true });
const sha = await redis.script("LOAD", "return redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', 60000) and 1 or 0") as string;
const keyPrefix = `cu:{bench-bare-${process.pid}}:`;
let calls = 0;
const bodies = new Map<number, string>();
const bodyOf = (n: number) => {
  let body = bodies.get(n);
  if (body === undefined) bodies.set(n, (body = JSON.stringify({ states: "a".repeat(Math.max(0, n - 13)) })));
  return body;
};

const app = new Elysia()
  .post("/bare", () => ({ ok: true }))
  .post("/bare/redis", async ({ set }) => {
    const taken = await redis.evalsha(sha, 1, `${keyPrefix}${calls++}`, "x");
    if (taken !== 1) set.status = 409;
    return { ok: taken === 1 };
  })
  .get("/bare/bytes/:n", ({ params }) => new Response(bodyOf(Number(params.n)), { headers: { "content-type": "application/json" } }))
  .post("/bare/purchase-txn", async ({ body, set }) => {
    const { id, eventId, seatId } = body as { id: string; eventId: string; seatId: string };
    const r = await insertOrder(pool, { id, eventId, sessionId: id, customerId: id, idempotencyKey: id, holdId: id, amountCents: 5000, currency: "EUR", paymentId: id, createdAt: new Date(), seats: [{ seatId, priceCents: 5000 }] });
    if (r.kind !== "committed") set.status = 409;
    return { orderId: id, kind: r.kind };
  })
  .listen({ port: Number(process.env.PORT ?? 0), hostname: "127.0.0.1" });
console.log(`bare elysia on ${app.server?.port}`);
