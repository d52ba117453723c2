/**
 * A slow database: every MySQL round trip delayed past the hold's own lifetime. Holds being
 * bought must not expire under the purchase (the purchase window extends them), so nobody
 * else can take those seats and nothing is sold twice.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { Harness, testConfig } from "../origin/test/support/harness.ts";
import { FaultProxy } from "../origin/test/support/fault-proxy.ts";

setDefaultTimeout(60_000);

let proxy: FaultProxy;
let h: Harness;
beforeAll(async () => {
  const real = testConfig();
  const db = new URL(real.databaseUrl);
  proxy = await FaultProxy.start(db.hostname, Number(db.port || 3306));
  h = await Harness.create("chaos-slowdb", {
    databaseUrl: proxy.url(real.databaseUrl),
    poolSize: 24,
    config: { purchaseWindowSeconds: 10 },
    event: { holdSeconds: 2, perOrderLimit: 1, sections: [{ name: "A", rows: 1, seatsPerRow: 20, tier: "standard", priceCents: 1500 }] },
  });
});
afterAll(async () => {
  proxy.delayMs = 0;
  await h.close();
  await proxy.close();
});

test("20 purchases each slowed 2.5 s by the database (the hold lasts 2 s): none loses its seats to a rival, all complete, each seat sold once", async () => {
  const buyers = await h.sessions(20);
  const rivals = await h.sessions(20);
  const seats = buyers.map((_, i) => `A-1-${i + 1}`);
  const holds = await Promise.all(buyers.map(async (b, i) => (await h.hold(b.token, [seats[i]!])).body.holdId as string));

  proxy.delayMs = 2500;
  const started = Date.now();
  const purchases = Promise.all(buyers.map((b, i) => h.purchase(b.token, holds[i]!)));
  // past the hold's own 2 s: rivals try to take every seat
  await Bun.sleep(2300);
  const rivalTries = await Promise.all(rivals.map((r, i) => h.hold(r.token, [seats[i]!])));
  const results = await purchases;
  const tookMs = Date.now() - started;
  proxy.delayMs = 0;

  expect(tookMs).toBeGreaterThan(2500);
  expect(rivalTries.map((r) => `${r.status} ${r.body.code}`)).toEqual(Array(20).fill("409 SEAT_HELD"));
  expect(results.map((r) => r.status)).toEqual(Array(20).fill(201));
  for (let i = 0; i < 20; i++) expect((await h.reservationsOf(seats[i]!)).map((r) => r.orderId)).toEqual([results[i]!.body.orderId]);
  expect(await h.strayCharges()).toEqual([]);
  const statuses = await h.seatStatuses();
  expect(seats.map((s) => statuses[s])).toEqual(Array(20).fill("sold"));
  console.log(`slow database: 20 purchases took ${tookMs} ms against a 2 s hold; 20 rival holds refused, 20 sold once`);
});
