/**
 * The dev Upstash REST bridge, driven by the real @upstash/redis and @upstash/ratelimit
 * clients against real Redis. Keys carry a random prefix; the tests that flush the script
 * cache or count commands run against a private redis-server of their own.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ratelimit } from "@upstash/ratelimit";
import { Redis, type RedisConfigNodejs } from "@upstash/redis";
import IORedis from "ioredis";
import { startPrivateRedis, type LocalService } from "./kit/local-services.ts";
import { startBridge, type TestBridge } from "./kit/bridge.ts";

const prefix = `test:bridge:${crypto.randomUUID()}:`;
const k = (name: string) => prefix + name;

let bridge: TestBridge;
let redis: Redis;
let direct: IORedis;

const client = (b: TestBridge, opts: Partial<RedisConfigNodejs> = {}) =>
  new Redis({ url: b.url, token: b.token, enableTelemetry: false, retry: false, ...opts });

/** One raw HTTP call, to see the wire format @upstash/redis decodes. */
async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(bridge.url + path, {
    method: "POST",
    headers: { authorization: `Bearer ${bridge.token}`, "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}
const b64 = (s: string | Buffer) => Buffer.from(s).toString("base64");

beforeAll(async () => {
  bridge = await startBridge();
  redis = client(bridge);
  direct = new IORedis(bridge.redisUrl);
});

afterAll(async () => {
  const keys = await direct.keys(`${prefix}*`);
  if (keys.length) await direct.del(...keys);
  direct.disconnect();
  await bridge.stop();
});

describe("commands through @upstash/redis", () => {
  test("strings: set with expiry, get, counters, mget, del", async () => {
    expect(await redis.set(k("s"), "hello", { ex: 30 })).toBe("OK");
    expect(await redis.get<string>(k("s"))).toBe("hello");
    const ttl = await redis.ttl(k("s"));
    expect(ttl).toBeGreaterThan(25);
    expect(ttl).toBeLessThanOrEqual(30);
    expect(await redis.set(k("s"), "other", { nx: true })).toBeNull();
    expect(await redis.incr(k("n"))).toBe(1);
    expect(await redis.incrby(k("n"), 41)).toBe(42);
    expect(await redis.incrbyfloat(k("f"), 1.5)).toBe(1.5);
    expect(await redis.mget(k("s"), k("n"), k("missing"))).toEqual(["hello", 42, null]);
    expect(await redis.del(k("s"), k("missing"))).toBe(1);
    expect(await redis.get(k("s"))).toBeNull();
  });

  test("objects are stored as JSON and come back as objects", async () => {
    await redis.set(k("obj"), { seat: "A-12", price: 99.5, tags: ["vip"] });
    expect(await redis.get(k("obj"))).toEqual({ seat: "A-12", price: 99.5, tags: ["vip"] });
    expect(await direct.get(k("obj"))).toBe('{"seat":"A-12","price":99.5,"tags":["vip"]}');
  });

  test("hashes", async () => {
    expect(await redis.hset(k("h"), { a: "1", b: "zwei", c: "🎫" })).toBe(3);
    expect(await redis.hincrby(k("h"), "a", 4)).toBe(5);
    expect(await redis.hgetall(k("h"))).toEqual({ a: 5, b: "zwei", c: "🎫" });
    expect(await redis.hmget(k("h"), "b", "nope")).toEqual({ b: "zwei", nope: null });
    expect(await redis.hget(k("h"), "missing")).toBeNull();
    expect(await redis.hlen(k("h"))).toBe(3);
  });

  test("sorted sets", async () => {
    expect(await redis.zadd(k("z"), { score: 3, member: "c" }, { score: 1, member: "a" }, { score: 2.5, member: "b" })).toBe(3);
    expect(await redis.zrange(k("z"), 0, -1)).toEqual(["a", "b", "c"]);
    expect(await redis.zrange(k("z"), 0, -1, { withScores: true })).toEqual(["a", 1, "b", 2.5, "c", 3]);
    expect(await redis.zscore(k("z"), "b")).toBe(2.5);
    expect(await redis.zincrby(k("z"), 10, "a")).toBe(11);
    expect(await redis.zrank(k("z"), "a")).toBe(2);
    expect(await redis.zcard(k("z"))).toBe(3);
    expect(await redis.zrem(k("z"), "b")).toBe(1);
    expect(await redis.zrange(k("z"), 0, -1)).toEqual(["c", "a"]);
  });

  test("a Redis error is thrown with Redis's message", async () => {
    await redis.set(k("str"), "x");
    await expect(redis.lpush(k("str"), "y")).rejects.toThrow(/WRONGTYPE/);
    await expect(redis.incr(k("str"))).rejects.toThrow(/ERR value is not an integer/);
  });
});

describe("pipeline and multi-exec", () => {
  test("a pipeline returns each command's result; a failing command does not stop the others", async () => {
    await redis.set(k("p:str"), "text");
    const p = redis.pipeline();
    p.set(k("p:a"), 1).incr(k("p:a")).incr(k("p:str")).get(k("p:a")).hset(k("p:h"), { x: "y" }).hgetall(k("p:h"));
    const results = await p.exec({ keepErrors: true });
    expect(results.map((r) => r.result)).toEqual(["OK", 2, undefined, 2, 1, { x: "y" }]);
    expect(results[2]!.error).toMatch(/not an integer/);
    expect(await direct.hget(k("p:h"), "x")).toBe("y");

    const failing = redis.pipeline();
    failing.incr(k("p:str"));
    await expect(failing.exec()).rejects.toThrow(/Command 1 \[ incr \] failed: ERR value is not an integer/);
  });

  test("multi-exec applies all commands together and returns their results", async () => {
    const tx = redis.multi();
    tx.set(k("m:a"), "1").incr(k("m:a")).zadd(k("m:z"), { score: 1, member: "x" }).get(k("m:a")).hset(k("m:h"), { f: "v" }).hgetall(k("m:h"));
    expect(await tx.exec()).toEqual(["OK", 2, 1, 2, 1, { f: "v" }]);
  });

  test("a command Redis refuses while queueing aborts the whole transaction", async () => {
    const res = await post("/multi-exec", [["SET", k("m:abort"), "1"], ["SET", k("m:abort")]]);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/^EXECABORT .*wrong number of arguments/);
    expect(await direct.exists(k("m:abort"))).toBe(0);
  });

  test("a command failing at run time inside a transaction gets an error; the others apply", async () => {
    await direct.set(k("m:str"), "text");
    const res = await post("/multi-exec", [["INCR", k("m:c")], ["INCR", k("m:str")], ["INCR", k("m:c")]]);
    expect(res.status).toBe(200);
    expect(res.body[0]).toEqual({ result: 1 });
    expect(res.body[1].error).toMatch(/not an integer/);
    expect(res.body[2]).toEqual({ result: 2 });
  });

  test("transactions stay atomic while hundreds race on the one Redis connection", async () => {
    const a = k("race:a");
    const b = k("race:b");
    const writes = Array.from({ length: 300 }, () => redis.multi().incr(a).incr(b).exec());
    const reads = Array.from({ length: 300 }, () => redis.multi().get(a).get(b).exec());
    const seen = (await Promise.all([...writes, ...reads])).slice(300) as Array<[number | null, number | null]>;
    for (const [x, y] of seen) expect(x).toBe(y);
    expect(await direct.mget(a, b)).toEqual(["300", "300"]);
  });

  test("hundreds of concurrent SET NX: exactly one wins", async () => {
    const results = await Promise.all(Array.from({ length: 400 }, (_, i) => redis.set(k("nx"), `fan-${i}`, { nx: true, ex: 30 })));
    expect(results.filter((r) => r === "OK")).toHaveLength(1);
    const winner = results.indexOf("OK");
    expect(await direct.get(k("nx"))).toBe(`fan-${winner}`);
  });
});

describe("wire format", () => {
  test("Upstash-Encoding: base64 encodes every string, nested ones too, but not a top-level OK", async () => {
    const unicode = "Grüße, 東京 🎟️";
    await direct.set(k("w:u"), unicode);
    const enc = { "upstash-encoding": "base64" };
    expect(await post("/", ["SET", k("w:x"), "1"], enc)).toEqual({ status: 200, body: { result: "OK" } });
    expect(await post("/", ["GET", k("w:u")], enc)).toEqual({ status: 200, body: { result: b64(unicode) } });
    expect(await post("/", ["GET", k("w:u")])).toEqual({ status: 200, body: { result: unicode } });
    expect((await post("/", ["MGET", k("w:u"), k("w:none")], enc)).body).toEqual({ result: [b64(unicode), null] });
    expect((await post("/", ["EVAL", "return {1, 'OK', {'x', 2}}", 0], enc)).body).toEqual({ result: [1, b64("OK"), [b64("x"), 2]] });
    expect((await post("/pipeline", [["INCR", k("w:n")], ["GET", k("w:u")]], enc)).body).toEqual([{ result: 1 }, { result: b64(unicode) }]);
  });

  test("binary values keep their exact bytes under base64", async () => {
    const bytes = Buffer.from([0x00, 0xff, 0x80, 0xc3, 0x28, 0x0a, 0x7f]);
    await direct.set(k("w:bin"), bytes);
    const res = await post("/", ["GET", k("w:bin")], { "upstash-encoding": "base64" });
    expect(Buffer.from(res.body.result, "base64").equals(bytes)).toBe(true);
  });

  test("strings that look like base64, numbers or OK survive the round trip through the client", async () => {
    for (const value of ["OK", "T0s=", "aGVsbG8=", "", " ", "null", "ä", "0012"]) {
      await redis.set(k("w:rt"), value);
      expect(await client(bridge, { automaticDeserialization: false }).get(k("w:rt"))).toBe(value);
    }
    const plain = client(bridge, { responseEncoding: false });
    await plain.set(k("w:plain"), "Grüße 🎟️");
    expect(await plain.get(k("w:plain"))).toBe("Grüße 🎟️");
  });

  test("bad requests get a 400 with a JSON error", async () => {
    expect(await post("/", "{not json")).toMatchObject({ status: 400, body: { error: expect.stringMatching(/not valid JSON/) } });
    expect(await post("/", { cmd: "GET" })).toMatchObject({ status: 400, body: { error: expect.any(String) } });
    expect(await post("/", [])).toMatchObject({ status: 400 });
    expect(await post("/", ["SET", k("w:bad"), { nested: true }])).toMatchObject({ status: 400 });
    expect(await post("/pipeline", [])).toMatchObject({ status: 400 });
    expect(await post("/pipeline", [["GET", k("w:a")], "GET"])).toMatchObject({ status: 400 });
    expect(await post("/", ["NOSUCHCOMMAND"])).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^ERR unknown command/) } });
    expect(await post("/nowhere", ["PING"])).toMatchObject({ status: 404 });
  });

  test("commands that would hold or change the shared connection are refused", async () => {
    for (const cmd of [["SUBSCRIBE", "ch"], ["BLPOP", k("w:l"), 5], ["SELECT", 1], ["MULTI"], ["XREAD", "BLOCK", 1000, "STREAMS", k("w:x"), "$"]]) {
      const res = await post("/", cmd);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/not supported by the dev bridge/);
    }
    expect(await post("/", ["PING"])).toEqual({ status: 200, body: { result: "PONG" } });
  });

  test("a wrong or missing token gets 401 Unauthorized", async () => {
    await expect(client(bridge, { token: "wrong" }).get(k("s"))).rejects.toThrow(/Unauthorized/);
    const res = await fetch(bridge.url, { method: "POST", body: JSON.stringify(["PING"]) });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: "Unauthorized" });
  });
});

describe("scripts", () => {
  test("eval returns nested replies; evalsha runs a loaded script", async () => {
    const script = "redis.call('SET', KEYS[1], ARGV[1]); return {redis.call('GET', KEYS[1]), tonumber(ARGV[2]) * 2, {'nested'}}";
    expect(await redis.eval(script, [k("e:a")], ["v", 21])).toEqual(["v", 42, ["nested"]]);
    const sha = await redis.scriptLoad(script);
    expect(sha).toBe(new Bun.CryptoHasher("sha1").update(script).digest("hex"));
    expect(await redis.evalsha(sha, [k("e:b")], ["w", 1])).toEqual(["w", 2, ["nested"]]);
    await expect(redis.evalsha("0".repeat(40), [], [])).rejects.toThrow(/NOSCRIPT/);
    await expect(redis.eval("return redis.error_reply('SOLD seat taken')", [], [])).rejects.toThrow(/SOLD seat taken/);
  });

  test("a script with the allow-key-locking flag runs, and its own SHA-1 works with EVALSHA and SCRIPT EXISTS", async () => {
    const script = "#!lua flags=allow-key-locking\nreturn redis.call('INCRBY', KEYS[1], ARGV[1])";
    const sha = new Bun.CryptoHasher("sha1").update(script).digest("hex");
    expect(await redis.eval(script, [k("lk")], [2])).toBe(2);
    expect(await redis.evalsha(sha, [k("lk")], [3])).toBe(5);
    expect(await redis.scriptLoad(script)).toBe(sha);
    expect(await redis.scriptExists(sha)).toEqual([1]);
    const s = redis.createScript<number>(script);
    expect(await s.exec([k("lk")], ["10"])).toBe(15);
  });

  test("other shebang flags are kept when allow-key-locking is dropped", async () => {
    const readOnly = "#!lua flags=no-writes,allow-key-locking\nreturn redis.call('SET', KEYS[1], 'x')";
    await expect(redis.eval(readOnly, [k("ro")], [])).rejects.toThrow(/Write commands are not allowed from read-only scripts/);
    expect(await direct.exists(k("ro"))).toBe(0);
    expect(await redis.eval("#!lua flags=no-writes,allow-key-locking\nreturn redis.call('GET', KEYS[1])", [k("ro")], [])).toBeNull();
  });
});

describe("on a private Redis (script cache and command counts)", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "cu-bridge-"));
  let own: LocalService;
  let ownBridge: TestBridge;
  let ownRedis: Redis;
  let admin: IORedis;

  beforeAll(async () => {
    own = await startPrivateRedis(dataDir);
    ownBridge = await startBridge({ redisUrl: own.url });
    ownRedis = client(ownBridge);
    admin = new IORedis(own.url);
  });
  afterAll(async () => {
    admin?.disconnect();
    await ownBridge?.stop();
    await own?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const calls = async (cmd: string) => {
    const line = (await admin.info("commandstats")).split("\n").find((l) => l.startsWith(`cmdstat_${cmd}:`));
    return Number(/calls=(\d+)/.exec(line ?? "")?.[1] ?? 0);
  };

  test("createScript keeps working after SCRIPT FLUSH, with and without the allow-key-locking flag", async () => {
    for (const source of ["return redis.call('INCR', KEYS[1])", "#!lua flags=allow-key-locking\nreturn redis.call('INCR', KEYS[1])"]) {
      await admin.del("counter");
      const script = ownRedis.createScript<number>(source);
      expect(await script.exec(["counter"], [])).toBe(1);
      expect(await script.exec(["counter"], [])).toBe(2);
      await ownRedis.scriptFlush();
      expect(await ownRedis.evalsha(script.sha1, ["counter"], []).catch((e: Error) => e.message)).toMatch(/NOSCRIPT/);
      expect(await script.exec(["counter"], [])).toBe(3);
      expect(await script.exec(["counter"], [])).toBe(4);
    }
  });

  test("the rate limiter's flagged scripts run by EVALSHA after the first EVAL", async () => {
    await admin.config("RESETSTAT");
    const limiter = new Ratelimit({ redis: ownRedis, limiter: Ratelimit.slidingWindow(5, "1 h"), prefix: "rl", ephemeralCache: false, timeout: 0 });
    const results = [];
    for (let i = 0; i < 8; i++) results.push((await limiter.limit("fan")).success);
    expect(results).toEqual([true, true, true, true, true, false, false, false]);
    expect(await calls("eval")).toBe(1);
    expect(await calls("evalsha")).toBe(8);
  });
});

describe("@upstash/ratelimit through the bridge", () => {
  const limiterOf = (algorithm: "slidingWindow" | "fixedWindow", tokens: number, window: `${number} ${"s" | "h"}`, ephemeralCache: Map<string, number> | false) =>
    new Ratelimit({
      redis,
      limiter: algorithm === "slidingWindow" ? Ratelimit.slidingWindow(tokens, window) : Ratelimit.fixedWindow(tokens, window),
      prefix: k(`rl:${algorithm}:${crypto.randomUUID()}`),
      ephemeralCache,
      timeout: 0, // never let a slow or failing bridge pass as "allowed"
    });

  for (const algorithm of ["slidingWindow", "fixedWindow"] as const) {
    for (const cache of [false, "ephemeral cache"] as const) {
      test(`${algorithm}${cache ? " with an ephemeral cache" : ""}: allows the limit, then blocks, per identifier`, async () => {
        const limiter = limiterOf(algorithm, 3, "1 h", cache ? new Map() : false);
        const outcomes = [];
        for (let i = 0; i < 6; i++) {
          const r = await limiter.limit("fan-a");
          outcomes.push([r.success, r.remaining]);
          if (!r.success && cache) expect(r.reason).toBe(i === 3 ? undefined : "cacheBlock");
        }
        expect(outcomes).toEqual([[true, 2], [true, 1], [true, 0], [false, 0], [false, 0], [false, 0]]);
        expect((await limiter.limit("fan-b")).success).toBe(true);
        expect((await limiter.getRemaining("fan-a")).remaining).toBe(0);
        expect((await limiter.getRemaining("fan-b")).remaining).toBe(2);
      });
    }

    test(`${algorithm}: 250 concurrent requests, exactly the limit gets through`, async () => {
      const limiter = limiterOf(algorithm, 40, "1 h", false);
      const results = await Promise.all(Array.from({ length: 250 }, () => limiter.limit("crowd")));
      expect(results.filter((r) => r.success)).toHaveLength(40);
    });
  }

  test("fixedWindow lets requests through again once the window has passed", async () => {
    const limiter = limiterOf("fixedWindow", 2, "1 s", new Map());
    // start right after a window boundary so the three calls share one window
    await Bun.sleep(1000 - (Date.now() % 1000) + 20);
    expect([(await limiter.limit("x")).success, (await limiter.limit("x")).success, (await limiter.limit("x")).success]).toEqual([true, true, false]);
    await Bun.sleep(1000 - (Date.now() % 1000) + 20);
    expect((await limiter.limit("x")).success).toBe(true);
  });
});
