/** The origin against a 3-master Redis Cluster (REDIS_CLUSTER_NODES): an event's keys share one slot, so the scripts work as on one server. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { parseConfig } from "../src/config.ts";
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

test("config: REDIS_CLUSTER_NODES is host:port,host:port", () => {
  const base = { ADMIN_KEY: "admin-key-admin-key-1234", ACTIVE_JWKS: process.env.ACTIVE_JWKS! };
  expect(parseConfig({ ...base, REDIS_CLUSTER_NODES: "10.0.0.1:6379, redis-2:7000" }).redisClusterNodes).toEqual([
    { host: "10.0.0.1", port: 6379 },
    { host: "redis-2", port: 7000 },
  ]);
  expect(parseConfig(base).redisClusterNodes).toEqual([]);
  expect(() => parseConfig({ ...base, REDIS_CLUSTER_NODES: "redis-1" })).toThrow(/REDIS_CLUSTER_NODES must be host:port/);
});
