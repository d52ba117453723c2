/** The error plugin answers every failure as `{ code, message }`, and tells store failures from bugs by their type. */
import { describe, expect, test } from "bun:test";
import { Elysia, t } from "elysia";
import { ReplyError } from "ioredis";
import { parseConfig } from "../src/config.ts";
import { RedisUnavailableError } from "../src/errors.ts";
import { errorsPlugin } from "../src/plugins/errors.ts";
import { createRedis } from "../src/redis/client.ts";

describe("error plugin", () => {
  test("an answer that does not match its own response schema is a 500 INTERNAL, not a 400 blamed on the caller", async () => {
    const app = new Elysia({ normalize: false })
      .use(errorsPlugin)
      .get("/wrong", () => ({ count: 1, internal: "leaked" }) as never, { response: { 200: t.Object({ count: t.Number() }) } })
      .get("/right", () => ({ count: 1 }), { response: { 200: t.Object({ count: t.Number() }) } })
      .get("/query", ({ query }) => ({ count: query.n }), { query: t.Object({ n: t.Numeric() }), response: { 200: t.Object({ count: t.Number() }) } });
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    try {
      const wrong = await app.handle(new Request("http://origin.test/wrong"));
      expect({ status: wrong.status, body: await wrong.json() }).toEqual({ status: 500, body: { code: "INTERNAL", message: expect.any(String) } });
      expect(errors).toHaveLength(1);
    } finally {
      console.error = original;
    }
    expect((await app.handle(new Request("http://origin.test/right"))).status).toBe(200);
    const bad = await app.handle(new Request("http://origin.test/query?n=x"));
    expect({ status: bad.status, code: ((await bad.json()) as { code: string }).code }).toEqual({ status: 400, code: "INVALID_REQUEST" });
  });
});

describe("store failures are told apart by type", () => {
  test("a command Redis has not answered within REDIS_COMMAND_TIMEOUT_MS rejects as Redis unavailable, and not before", async () => {
    const url = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
    const config = parseConfig({ ADMIN_KEY: "k".repeat(16), ACTIVE_JWKS: process.env.ACTIVE_JWKS!, REDIS_COMMAND_TIMEOUT_MS: "300" });
    expect(config.redisCommandTimeoutMs).toBe(300);
    const quick = createRedis(url, [], config.redisCommandTimeoutMs);
    const patient = createRedis(url, [], 5000);
    const other = createRedis(url);
    try {
      await Promise.all([quick.connect(), patient.connect(), other.connect()]);
      // a pop that waits for a list nobody fills: only the timer ends it
      const key = `cu:test:never:${crypto.randomUUID()}`;
      const started = Date.now();
      const waited = await quick.blpop(key, 0).catch((e: unknown) => e);
      expect(waited).toBeInstanceOf(RedisUnavailableError);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      // its connection still waits on the server, first in line for the key: gone now
      quick.disconnect();
      let answer: unknown = "pending";
      const still = patient.blpop(key, 0).then((v) => (answer = v), (e: unknown) => (answer = e));
      await Bun.sleep(600);
      expect(answer).toBe("pending");
      await other.lpush(key, "x");
      await still;
      expect(answer).toEqual([key, "x"]);
    } finally {
      quick.disconnect();
      patient.disconnect();
      other.disconnect();
    }
  });

  test("a Redis that does not answer rejects with RedisUnavailableError (a 503), an error Redis answers stays a ReplyError", async () => {
    const down = createRedis("redis://127.0.0.1:1");
    const up = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
    try {
      const refused = await down.get("cu:test:nothing").catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(RedisUnavailableError);
      const app = new Elysia().use(errorsPlugin).get("/down", () => down.get("cu:test:nothing"));
      const answer = await app.handle(new Request("http://origin.test/down"));
      expect({ status: answer.status, body: await answer.json() }).toEqual({ status: 503, body: { code: "SERVICE_UNAVAILABLE", message: expect.any(String) } });

      await up.connect();
      const replied = await up.eval("return redis.error_reply('NOPE from the script')", 0).catch((e: unknown) => e);
      expect(replied).toBeInstanceOf(ReplyError);
      expect(replied).not.toBeInstanceOf(RedisUnavailableError);
    } finally {
      down.disconnect();
      up.disconnect();
    }
  });
});
