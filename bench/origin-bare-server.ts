/**
 * Ceilings for the origin's routes, on Bun with Elysia and nothing else:
 *   POST /bare                a bare route, nothing behind it;
 *   POST /bare/purchase-txn   a bare route doing only the purchase's database write
 *                             (`insertOrder`: order + reservation, one round trip) on a
 *                             mysql2 pool of DB_POOL_SIZE, the origin's own pool size.
 */
import { Elysia } from "elysia";
import mysql from "mysql2/promise";
import { connectionOptions } from "../origin/src/db/client.ts";
import { insertOrder } from "../origin/src/modules/orders/repository.ts";

const pool = mysql.createPool({
  ...connectionOptions(process.env.DATABASE_URL ?? "mysql://root@127.0.0.1:3306/test"),
  connectionLimit: Number(process.env.DB_POOL_SIZE ?? 16),
  multipleStatements: true,
});

const app = new Elysia()
  .post("/bare", () => ({ ok: true }))
  .post("/bare/purchase-txn", async ({ body, set }) => {
    const { id, eventId, seatId } = body as { id: string; eventId: string; seatId: string };
    const r = await insertOrder(pool, { id, eventId, sessionId: id, idempotencyKey: id, holdId: id, amountCents: 5000, currency: "EUR", paymentId: id, createdAt: new Date(), seats: [{ seatId, priceCents: 5000 }] });
    if (r.kind !== "committed") set.status = 409;
    return { orderId: id, kind: r.kind };
  })
  .listen({ port: Number(process.env.PORT ?? 0), hostname: "127.0.0.1" });
console.log(`bare elysia on ${app.server?.port}`);
