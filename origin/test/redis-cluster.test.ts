/** The origin against a 3-master Redis Cluster (REDIS_CLUSTER_NODES): an event's keys share one slot, so the scripts work as on one server. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { eventKeys } from "../../common/keys.ts";
import { parseConfig } from "../src/config.ts";
import { systemClock } from "../src/lib/clock.ts";
import { connectRedis } from "../src/redis/client.ts";
import type { Scheduler } from "../src/admission/scheduler.ts";
import { joinFans, newScheduler, testSchedulerConfig } from "./admission/support.ts";
import { openWaitingRoom } from "../../test/kit/waiting-room.ts";
import { uniqueEventId } from "../../test/kit/event-ids.ts";
import { startRedisCluster, type LocalCluster } from "../../test/helpers/redis-cluster.ts";
import { Harness } from "./support/harness.ts";

let cluster: LocalCluster;
let h: Harness;

beforeAll(async () => {
  cluster = await startRedisCluster(3);
  h = await Harness.create("cluster", { config: { redisClusterNodes: cluster.nodes } });
}, 30_000);
afterAll(async () => {
  await h?.close();
  await cluster?.stop();
});

test("the client is a cluster client spread over 3 masters", async () => {
  const masters = (h.redis as unknown as { nodes(role: string): unknown[] }).nodes("master");
  expect(masters).toHaveLength(3);
});

test("300 concurrent holds on one seat through the cluster: exactly one wins", async () => {
  const fans = await h.sessions(300);
  const replies = await Promise.all(fans.map((fan) => h.hold(fan.token, ["A-1-1"])));
  expect(replies.filter((r) => r.status === 201)).toHaveLength(1);
  expect(replies.filter((r) => r.status === 409)).toHaveLength(299);
  expect((await h.seatStatuses())["A-1-1"]).toBe("held");

  const winner = replies.findIndex((r) => r.status === 201);
  const bought = await h.purchase(fans[winner]!.token, replies[winner]!.body.holdId);
  expect(bought.status).toBe(201);
  expect((await h.seatStatuses())["A-1-1"]).toBe("sold");
  expect(await h.ordersOfEvent()).toHaveLength(1);
}, 30_000);

test("two schedulers on the cluster: one leader per event, every admission a distinct waiting fan", async () => {
  const redis = h.redis;
  const eventId = uniqueEventId("cluster");
  const rate = 200;
  await openWaitingRoom(redis, eventId, { rate, maxActive: 100_000 });
  const fans = await joinFans(redis, eventId, 1000, Date.now());
  const config = testSchedulerConfig({ tickMs: 50, leaseMs: 1000, presenceGraceMs: 3_600_000 });
  const clients = await Promise.all([0, 1].map(() => connectRedis(h.config.redisUrl, cluster.nodes)));
  const admittedBy = new Map<string, number>();
  const schedulers: Scheduler[] = clients.map((client, i) =>
    newScheduler(client, systemClock, [eventId], config, {
      instanceId: `node-${i}`,
      observer: { tick: (_e, r) => admittedBy.set(`node-${i}`, (admittedBy.get(`node-${i}`) ?? 0) + r.admitted) },
    }),
  );
  try {
    for (const s of schedulers) s.start();
    await Bun.sleep(1500);
    expect(schedulers.filter((s) => s.isLeader(eventId))).toHaveLength(1);
  } finally {
    await Promise.all(schedulers.map((s) => s.stop()));
    for (const c of clients) c.disconnect();
  }
  const k = eventKeys(eventId);
  const admitted = await redis.zrange(k.admitted, 0, -1);
  const waiting = await redis.zrange(k.queue, 0, -1);
  expect(admitted.length).toBeGreaterThan(0);
  expect([...admittedBy.values()].filter((n) => n > 0)).toHaveLength(1);
  expect(new Set(admitted).size).toBe([...admittedBy.values()].reduce((a, b) => a + b, 0));
  expect(admitted.filter((id) => waiting.includes(id))).toEqual([]);
  expect(admitted.length + waiting.length).toBe(fans.length);
}, 20_000);

test("config: REDIS_CLUSTER_NODES is host:port,host:port", () => {
  const base = { ADMIN_KEY: "admin-key-admin-key-1234", ACTIVE_JWKS: process.env.ACTIVE_JWKS! };
  expect(parseConfig({ ...base, REDIS_CLUSTER_NODES: "10.0.0.1:6379, redis-2:7000" }).redisClusterNodes).toEqual([
    { host: "10.0.0.1", port: 6379 },
    { host: "redis-2", port: 7000 },
  ]);
  expect(parseConfig(base).redisClusterNodes).toEqual([]);
  expect(() => parseConfig({ ...base, REDIS_CLUSTER_NODES: "redis-1" })).toThrow(/REDIS_CLUSTER_NODES must be host:port/);
});
