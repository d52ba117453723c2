/**
 * An origin process killed with SIGKILL in the middle of purchases. It runs as a real
 * `bun origin/src/main.ts` on a private redis-server (so its scheduler touches no other
 * test's waiting rooms) and the shared MySQL; a second origin (the test's app) takes over.
 */
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { eventKeys } from "../common/keys.ts";
import { Harness } from "../origin/test/support/harness.ts";
import { freePort } from "../test/kit/free-port.ts";
import { readSale } from "../test/kit/invariants.ts";
import { waitNoHeldSeats } from "./support/load.ts";
import { PrivateRedis } from "../test/kit/private-redis.ts";

setDefaultTimeout(60_000);

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

test("SIGKILL mid-purchase: committed sales stay sold, the dead instance's holds expire and the seats sell again elsewhere", async () => {
  const redisServer = await PrivateRedis.start();
  cleanups.push(() => redisServer.kill());
  const h = await Harness.create("chaos-kill", {
    redisUrl: redisServer.url,
    config: { purchaseWindowSeconds: 5 },
    event: { holdSeconds: 3, perOrderLimit: 1, sections: [{ name: "A", rows: 1, seatsPerRow: 30, tier: "standard", priceCents: 3000 }] },
  });
  cleanups.push(() => h.close());

  const port = await freePort();
  const child = Bun.spawn(["bun", "origin/src/main.ts"], {
    env: { ...process.env, REDIS_URL: redisServer.url, ORIGIN_PORT: String(port), ORIGIN_HOST: "127.0.0.1", PAYMENT_LATENCY_MS: "2000", PURCHASE_WINDOW_SECONDS: "5", LOG_REQUESTS: "0" },
    stdout: "ignore",
    stderr: "ignore",
  });
  cleanups.push(async () => {
    child.kill("SIGKILL");
    await child.exited;
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    if (await fetch(`${base}/health`).then((r) => r.ok, () => false)) break;
    await Bun.sleep(50);
  }
  const send = (method: string, path: string, token: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method,
      headers: { ...h.edgeHeaders(), authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
    });

  const fans = await h.sessions(30);
  const seats = fans.map((_, i) => `A-1-${i + 1}`);
  const holds = await Promise.all(fans.map(async (fan, i) => ((await (await send("POST", `/api/events/${h.eventId}/holds`, fan.token, { seatIds: [seats[i]] })).json()) as { holdId: string }).holdId));
  const buy = (i: number) =>
    send("POST", `/api/events/${h.eventId}/holds/${holds[i]}/purchase`, fans[i]!.token, undefined, { "idempotency-key": `k-${i}` }).then(
      async (r) => ({ status: r.status, body: (await r.json()) as { orderId?: string } }),
      () => ({ status: 0, body: {} as { orderId?: string } }),
    );
  // first half: bought before the kill; second half: mid-payment at the kill, which comes
  // once every one of their holds is marked as being bought (the payment takes 2 s)
  const early = Array.from({ length: 15 }, (_, i) => buy(i));
  const earlyDone = await Promise.all(early);
  const late = Array.from({ length: 15 }, (_, i) => buy(15 + i));
  const k = eventKeys(h.eventId);
  for (;;) {
    const marked = await Promise.all(holds.slice(15).map((id) => h.redis.hget(k.hold(id), "purchase")));
    if (marked.every(Boolean)) break;
    await Bun.sleep(10);
  }
  child.kill("SIGKILL");
  const killedAt = Date.now();
  await child.exited;
  const earlyResults = earlyDone;
  const lateResults = await Promise.all(late);

  expect(earlyResults.map((r) => r.status)).toEqual(Array(15).fill(201));
  expect(lateResults.map((r) => r.status)).toEqual(Array(15).fill(0)); // connection dropped: no answer

  // committed sales stay sold, in MySQL and in Redis
  for (let i = 0; i < 15; i++) expect((await h.reservationsOf(seats[i]!))[0]?.orderId).toBe(earlyResults[i]!.body.orderId!);
  expect((await h.redis.smembers(eventKeys(h.eventId).sold)).sort()).toEqual(seats.slice(0, 15).sort());

  // the dead instance's holds run out at the purchase window; nothing stays held
  const freedAfter = await waitNoHeldSeats(h, 10_000);
  const recoveredMs = Date.now() - killedAt;
  const statuses = await h.seatStatuses();
  expect(seats.map((s) => statuses[s])).toEqual([...Array(15).fill("sold"), ...Array(15).fill("available")]);
  for (const s of seats.slice(15)) expect(await h.reservationsOf(s)).toHaveLength(0);

  // retrying a purchase the dead instance never answered, with the same Idempotency-Key:
  // its hold is gone and MySQL has no order, so the answer is "hold again", not "in progress"
  const retried = await h.purchase(fans[15]!.token, holds[15]!, "k-15");
  expect({ status: retried.status, code: retried.body.code }).toEqual({ status: 410, code: "HOLD_EXPIRED" });
  // a committed purchase replayed on the other instance gives the same order
  const replay = await h.purchase(fans[0]!.token, holds[0]!, "k-0");
  expect({ status: replay.status, orderId: replay.body.orderId }).toEqual({ status: 201, orderId: earlyResults[0]!.body.orderId });

  // the other instance sells them again, to the same fans (their sessions are still live)
  const again = await Promise.all(
    fans.slice(15).map(async (fan, i) => {
      const held = await h.hold(fan.token, [seats[15 + i]!]);
      expect(held.status).toBe(201);
      return (await h.purchase(fan.token, held.body.holdId)).status;
    }),
  );
  expect(again).toEqual(Array(15).fill(201));
  expect((await readSale(h.redis, h.database.pool, h.eventId)).seatsSoldTwice).toEqual([]);
  console.log(`instance kill: 15 committed before the kill kept, 15 in flight lost their answer; held seats freed ${recoveredMs} ms after the kill (waited ${freedAfter} ms), all 15 resold`);
});

test("a purchase whose process died after the commit but before recording its outcome: the retry finds the order in MySQL", async () => {
  const h = await Harness.create("chaos-kill2");
  cleanups.push(() => h.close());
  const [fan] = await h.sessions(1);
  const held = await h.hold(fan!.token, ["A-1-1"]);
  const bought = await h.purchase(fan!.token, held.body.holdId, "k-died");
  expect(bought.status).toBe(201);
  // what a process killed between the MySQL commit and its Redis writes leaves behind
  const keys = eventKeys(h.eventId);
  await h.redis.set(keys.idempotency(fan!.sid, "k-died"), JSON.stringify({ state: "pending", holdId: held.body.holdId }));
  await h.redis.del(keys.hold(held.body.holdId));
  const retried = await h.purchase(fan!.token, held.body.holdId, "k-died");
  expect({ status: retried.status, orderId: retried.body.orderId, seats: retried.body.seats }).toEqual({ status: 201, orderId: bought.body.orderId, seats: bought.body.seats });
  expect(await h.reservationsOf("A-1-1")).toHaveLength(1);
});
