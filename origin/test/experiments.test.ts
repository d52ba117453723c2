import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApp } from "../src/app.ts";
import { Harness } from "./support/harness.ts";

const previous = process.env.RACE_EXPERIMENTS;
let h: Harness;
let off: Harness;
beforeAll(async () => {
  delete process.env.RACE_EXPERIMENTS;
  off = await Harness.create("race-off");
  process.env.RACE_EXPERIMENTS = "1";
  h = await Harness.create("race-on", { poolSize: 16 });
});
afterAll(async () => {
  if (previous === undefined) delete process.env.RACE_EXPERIMENTS;
  else process.env.RACE_EXPERIMENTS = previous;
  await h.database.pool.query("DELETE FROM experiment_sales WHERE seat_id LIKE ?", [`${h.eventId}%`]).catch(() => {});
  await h.database.pool.query("DELETE FROM experiment_seats WHERE seat_id LIKE ?", [`${h.eventId}%`]).catch(() => {});
  await Promise.all([h.close(), off.close()]);
});

const admin = () => ({ authorization: `Bearer ${h.config.adminKey}` });

async function race(variant: string, seatId: string, buyers: number) {
  expect((await h.call("PUT", `/experiments/race/seats/${seatId}`, { headers: admin() })).status).toBe(200);
  const replies = await Promise.all(
    Array.from({ length: buyers }, (_, i) => h.call("POST", `/experiments/race/${variant}/seats/${seatId}/buy`, { headers: admin(), body: { buyer: `b${i}` } })),
  );
  const outcome = await h.call<{ owner: string | null; sales: number; buyers: string[] }>("GET", `/experiments/race/seats/${seatId}`, { headers: admin() });
  return { replies, outcome: outcome.body };
}

describe("race experiment scratch route", () => {
  test("is not mounted unless RACE_EXPERIMENTS is on", async () => {
    const reply = await off.call("PUT", `/experiments/race/seats/${off.eventId}`, { headers: { authorization: `Bearer ${off.config.adminKey}` } });
    expect(reply.status).toBe(404);
  });

  test("is refused when the origin runs in production", () => {
    expect(() => createApp({ ...h.app.deps, config: { ...h.config, production: true } })).toThrow(/RACE_EXPERIMENTS/);
  });

  test("needs the admin key and answers bad input with a JSON 4xx", async () => {
    const seat = `${h.eventId}-auth`;
    expect((await h.call("PUT", `/experiments/race/seats/${seat}`)).status).toBe(401);
    const bad = await h.call("POST", `/experiments/race/sideways/seats/${seat}/buy`, { headers: admin(), body: { buyer: "x" } });
    expect(bad.status).toBeGreaterThanOrEqual(400);
    expect(bad.status).toBeLessThan(500);
    expect(bad.body).toMatchObject({ code: expect.any(String), message: expect.any(String) });
  });

  for (const variant of ["mutex", "optimistic", "pessimistic"]) {
    test(`${variant}: 300 buyers at once on one seat, one sale, 299 x 409, one sale in MySQL`, async () => {
      const { replies, outcome } = await race(variant, `${h.eventId}-${variant}`, 300);
      expect(replies.filter((r) => r.status === 200)).toHaveLength(1);
      expect(replies.filter((r) => r.status === 409)).toHaveLength(299);
      const winner = (replies.find((r) => r.status === 200)!.body as { buyer: string }).buyer;
      expect(outcome).toMatchObject({ owner: winner, sales: 1, buyers: [winner] });
    });
  }

  test("none: every buyer told 'sold' is logged in MySQL, and the seat names one of them", async () => {
    const { replies, outcome } = await race("none", `${h.eventId}-none`, 300);
    const sold = replies.filter((r) => r.status === 200).map((r) => (r.body as { buyer: string }).buyer);
    expect(sold.length + replies.filter((r) => r.status === 409).length).toBe(300);
    expect(outcome.sales).toBe(sold.length);
    expect(new Set(outcome.buyers)).toEqual(new Set(sold));
    expect(sold).toContain(outcome.owner!);
  });
});
