/**
 * Faults injected under a load of concurrent purchases, on real servers: the Redis script
 * cache flushed and Redis itself restarted (a private redis-server), and MySQL cut off
 * through a TCP proxy. Afterwards the invariants are checked from MySQL and Redis: no seat
 * sold twice, no order without its seats, no charge without an order, no seat left held.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { eventKeys } from "../common/keys.ts";
import { FaultProxy } from "../origin/test/support/fault-proxy.ts";
import { Harness, testConfig } from "../origin/test/support/harness.ts";
import { buyers, checkInvariants, newResult, waitNoHeldSeats } from "./support/load.ts";
import { PrivateRedis } from "../test/kit/private-redis.ts";

setDefaultTimeout(60_000);

const seatIds = (rows: number, perRow: number) => Array.from({ length: rows * perRow }, (_, i) => `A-${Math.floor(i / perRow) + 1}-${(i % perRow) + 1}`);
const event = (rows: number, perRow: number) => ({ holdSeconds: 3, perOrderLimit: 2, sections: [{ name: "A", rows, seatsPerRow: perRow, tier: "standard", priceCents: 2500 }] });
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

/** Resolves with the time of the first 201 purchase after `since`. */
function firstSaleAfter(result: ReturnType<typeof newResult>, since: number): Promise<number> {
  const before = result.sold.size;
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (result.sold.size > before) {
        clearInterval(timer);
        resolve(Date.now() - since);
      }
    }, 10);
  });
}

const report: Record<string, unknown> = {};
afterAll(() => console.log(`faults: ${JSON.stringify(report, null, 1)}`));

describe("Redis loses its scripts, then everything, mid-sale", () => {
  test("SCRIPT FLUSH and a Redis restart under 40 concurrent buyers: NOSCRIPT handled, sold set rebuilt, no double sale, nothing left held", async () => {
    const redisServer = await PrivateRedis.start();
    cleanups.push(() => redisServer.kill());
    const h = await Harness.create("chaos-redis", { redisUrl: redisServer.url, config: { purchaseWindowSeconds: 5 }, event: event(60, 30) });
    cleanups.push(() => h.close());
    h.payments.beforeCharge = () => Bun.sleep(20);
    const result = newResult();
    let stop = false;
    const load = buyers(h, { buyers: 40, seats: seatIds(60, 30), until: () => stop, result });

    // the sale is under way (a first purchase went through), then Redis forgets its scripts;
    // the test waits for the next sale, not for a fixed time, so a slow machine is no failure
    await Promise.race([firstSaleAfter(result, Date.now()), Bun.sleep(15_000)]);
    const soldBeforeFlush = result.sold.size;
    await h.redis.script("FLUSH");
    await Promise.race([firstSaleAfter(result, Date.now()), Bun.sleep(15_000)]);
    const stats = String(await h.redis.info("commandstats"));
    const evalCalls = Number(/cmdstat_eval:calls=(\d+)/.exec(stats)?.[1] ?? 0);
    const soldAfterFlush = result.sold.size;

    const restartedAt = Date.now();
    const requestsBefore = result.requests;
    const soldBeforeRestart = result.sold.size;
    // plenty of the 1,800 seats are left to sell after the restart
    expect(soldBeforeRestart).toBeLessThan(1_500);
    await redisServer.restart();
    const recovery = await Promise.race([firstSaleAfter(result, restartedAt), Bun.sleep(15_000).then(() => -1)]);
    await Bun.sleep(800);
    stop = true;
    await load;

    // scripts came back through EVAL after the flush, and sales went on
    expect(evalCalls).toBeGreaterThan(0);
    expect(soldAfterFlush).toBeGreaterThan(soldBeforeFlush);
    expect(recovery).toBeGreaterThan(0);
    expect(recovery).toBeLessThan(10_000);

    const held = await waitNoHeldSeats(h, 10_000);
    const checked = await checkInvariants(h, result);
    // the seat map is rebuilt from MySQL: every sold seat shows sold
    const statuses = await h.seatStatuses();
    for (const seats of result.sold.values()) for (const s of seats) expect(statuses[s]).toBe("sold");
    expect(checked.soldSeats).toBeGreaterThan(soldAfterFlush);
    report.redis = { requests: result.requests, soldBeforeRestart, requestsAfterRestart: result.requests - requestsBefore, answers: result.byStatus, ...checked, evalFallbacks: evalCalls, recoveryMs: recovery, heldSeatsClearedAfterMs: held };
  });
});

describe("MySQL unreachable mid-sale", () => {
  test("the database cut off for 1.5 s under 40 buyers: 503s, holds released, /ready tells, recovery by itself, invariants hold", async () => {
    const real = testConfig();
    const db = new URL(real.databaseUrl);
    const proxy = await FaultProxy.start(db.hostname, Number(db.port || 3306));
    cleanups.push(() => proxy.close());
    const h = await Harness.create("chaos-mysql", { databaseUrl: proxy.url(real.databaseUrl), config: { purchaseWindowSeconds: 5 }, event: event(6, 30) });
    cleanups.push(async () => {
      proxy.setDown(false);
      await h.close();
    });
    h.payments.beforeCharge = () => Bun.sleep(5);
    const result = newResult();
    let stop = false;
    const load = buyers(h, { buyers: 40, seats: seatIds(6, 30), until: () => stop, result });

    await Bun.sleep(500);
    expect(result.sold.size).toBeGreaterThan(0);
    const ready = await h.call("GET", "/ready");
    expect(ready.status).toBe(200);

    const before = { requests: result.requests, errors: Object.entries(result.byStatus).filter(([k]) => / 5\d\d/.test(k)).reduce((n, [, v]) => n + v, 0) };
    proxy.setDown(true);
    const downAt = Date.now();
    await Bun.sleep(700);
    const readyDown = await h.call("GET", "/ready");
    await Bun.sleep(800);
    const duringFault = { requests: result.requests - before.requests };
    proxy.setDown(false);
    const upAt = Date.now();
    const recovery = await Promise.race([firstSaleAfter(result, upAt), Bun.sleep(15_000).then(() => -1)]);
    const readyUp = await h.call("GET", "/ready");
    await Bun.sleep(500);
    stop = true;
    await load;

    expect(readyDown.status).toBe(503);
    expect(readyDown.body).toMatchObject({ mysql: false, redis: true });
    expect(readyUp.status).toBe(200);
    expect(recovery).toBeGreaterThan(0);
    expect(recovery).toBeLessThan(10_000);
    const failedPurchases = Object.entries(result.byStatus).filter(([k]) => k.startsWith("purchase 5"));
    expect(failedPurchases.length).toBeGreaterThan(0);
    for (const [k] of failedPurchases) expect(k).toMatch(/^purchase 50[34] (ORDER_NOT_SAVED|PURCHASE_PENDING|SERVICE_UNAVAILABLE)$/);

    const held = await waitNoHeldSeats(h, 12_000);
    const checked = await checkInvariants(h, result);
    report.mysql = { outageMs: upAt - downAt, requests: result.requests, requestsDuringFault: duringFault.requests, answers: result.byStatus, ...checked, recoveryMs: recovery, heldSeatsClearedAfterMs: held };
    // every seat whose purchase failed is free again or sold to someone else
    const statuses = await h.seatStatuses();
    expect(Object.values(statuses).filter((s) => s === "held")).toEqual([]);
    void eventKeys;
  });
});
