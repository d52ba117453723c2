/**
 * Three origin processes against the same Redis and MySQL, as behind a load balancer: the
 * hold race spread over all three has one winner, and admission has one leader per event
 * that admits each waiting fan at most once.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { eventKeys, globalKeys } from "../../common/keys.ts";
import { startOrigin, type OriginProcess } from "../../test/kit/origin-process.ts";
import { freePort } from "../../test/kit/free-port.ts";
import { joinFans } from "./admission/support.ts";
import { openWaitingRoom } from "../../test/kit/waiting-room.ts";
import { Harness } from "./support/harness.ts";

let h: Harness;
let origins: OriginProcess[] = [];

beforeAll(async () => {
  h = await Harness.create("instances");
  const env = { ORIGIN_HOST: "127.0.0.1", ORIGIN_DRAIN_SECONDS: "0", ADMISSION_TICK_MS: "100" };
  origins = await Promise.all([0, 1, 2].map(async () => startOrigin({ env, port: await freePort() })));
}, 30_000);
afterAll(async () => {
  await Promise.all(origins.map((o) => o.stop()));
  await h.redis.srem(globalKeys.queues, h.eventId);
  await h.close();
});

test("300 concurrent holds on one seat spread over 3 instances: exactly one wins", async () => {
  const fans = await h.sessions(300);
  const replies = await Promise.all(
    fans.map((fan, i) =>
      fetch(`${origins[i % 3]!.url}/api/events/${h.eventId}/holds`, {
        method: "POST",
        headers: { ...h.edgeHeaders(), authorization: `Bearer ${fan.token}`, "content-type": "application/json" },
        body: JSON.stringify({ seatIds: ["A-1-2"] }),
      }).then((r) => r.status),
    ),
  );
  expect(replies.filter((s) => s === 201)).toHaveLength(1);
  expect(replies.filter((s) => s === 409)).toHaveLength(299);
  expect((await h.seatStatuses())["A-1-2"]).toBe("held");
}, 20_000);

async function leaderGauges(): Promise<number[]> {
  return Promise.all(
    origins.map(async (o) => {
      const text = await (await fetch(`${o.url}/metrics`)).text();
      const line = text.split("\n").find((l) => l.startsWith("cu_scheduler_leader{") && l.includes(`event="${h.eventId}"`));
      return line ? Number(line.split(" ").at(-1)) : 0;
    }),
  );
}

test("admission across 3 instances: one leader for the event, each admitted fan a distinct waiting fan", async () => {
  const k = eventKeys(h.eventId);
  await openWaitingRoom(h.redis, h.eventId, { rate: 100, maxActive: 100_000 });
  const fans = await joinFans(h.redis, h.eventId, 500, Date.now());
  await h.redis.sadd(globalKeys.queues, h.eventId);
  let admitted: string[] = [];
  for (const until = Date.now() + 20_000; admitted.length < 50 && Date.now() < until; ) {
    await Bun.sleep(100);
    admitted = await h.redis.zrange(k.admitted, 0, -1);
  }
  expect(admitted.length).toBeGreaterThanOrEqual(50);
  // each instance reports what it saw on its last tick; on a loaded machine a lease can pass
  // between instances (a stalled tick), so the gauges are read until they settle on one leader
  let gauges = await leaderGauges();
  for (const until = Date.now() + 20_000; gauges.reduce((a, b) => a + b, 0) !== 1 && Date.now() < until; gauges = await leaderGauges()) await Bun.sleep(100);
  expect(gauges.sort()).toEqual([0, 0, 1]);
  // one snapshot of both sets: the leader keeps admitting while we read
  const [[, inAdmitted], [, waitingNow]] = (await h.redis.multi().zrange(k.admitted, 0, -1).zrange(k.queue, 0, -1).exec()) as [[null, string[]], [null, string[]]];
  admitted = inAdmitted;
  const waiting = waitingNow;
  expect(new Set(admitted).size).toBe(admitted.length);
  expect(admitted.filter((id) => waiting.includes(id))).toEqual([]);
  expect(admitted.length + waiting.length).toBe(fans.length);
  expect(admitted.every((id) => fans.includes(id))).toBe(true);
}, 60_000);
