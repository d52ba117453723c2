/**
 * The edge after Redis lost the line, on a private redis-server (so the registry of queues
 * and FLUSHALL are this file's alone). The origin's restore is written here directly, as
 * its script writes it: the queue state with a status and restoredAt, every number nobody
 * waits with in both `lost` and `gone`, and the event back in the registry. What is tested
 * is what fans see through the Worker: a distinct restoring state and never a position
 * while the state is missing, and each fan back at their own number once it is restored.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import Redis from "ioredis";
import { eventKeys, globalKeys } from "../../common/keys.ts";
import { sessionIdFor } from "../../common/tokens.ts";
import { PrivateRedis } from "../../test/kit/private-redis.ts";
import type { Env } from "../src/env.ts";
import { hubFor, SnapshotUnavailable } from "../src/hub.ts";
import { startBridge } from "../../test/kit/bridge.ts";
import { withScripts } from "./helpers/pages.ts";
import { uniqueEventId } from "../../test/kit/event-ids.ts";
import { newOpenEvent } from "../../test/kit/waiting-room.ts";
import { call, SseReader, testEnv } from "./helpers/worker.ts";

setDefaultTimeout(30_000);

const RESTORING = { status: "restoring", code: "RESTORING", message: "We are restoring the line; you keep your place." };

let server: PrivateRedis;
let redis: Redis;
let bridge: Awaited<ReturnType<typeof startBridge>>;
let env: Env;
const readers: SseReader[] = [];

beforeAll(async () => {
  server = await PrivateRedis.start();
  redis = new Redis(server.url);
  bridge = await startBridge({ redisUrl: server.url });
  env = testEnv(bridge.url, { TICK_MS: "100", PRESENCE_GRACE_SECONDS: "30", HEARTBEAT_SECONDS: "1" });
});
afterAll(async () => {
  await Promise.all(readers.map((r) => r.close()));
  await bridge?.stop();
  redis?.disconnect();
  await server?.kill();
});

const openEvent = (label: string) => newOpenEvent(redis, label, { registered: true });

interface Fan {
  jar: Map<string, string>;
  tid: string;
  num: number;
}

let ipCounter = 0;
async function joinFan(eventId: string): Promise<Fan> {
  const jar = new Map<string, string>();
  const res = await call(env, `/queue/${eventId}/join`, { method: "POST", jar, ip: `198.18.0.${++ipCounter % 250}` });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { ticket: string; ticketNumber: number };
  const { tid } = JSON.parse(Buffer.from(body.ticket.split(".")[1]!, "base64url").toString()) as { tid: string };
  return { jar, tid, num: body.ticketNumber };
}

/**
 * What the origin's restore writes after a full loss: the state with a status, the serving
 * pointer, the counter above every number issued, every number in (serving, seq] in lost
 * and gone (nobody waits after a full loss), and the registry.
 */
async function restore(eventId: string, o: { issued: number; serving?: number; reserve?: number; kind?: "full" | "partial" }) {
  const k = eventKeys(eventId);
  const serving = o.serving ?? 0;
  const seq = o.issued + (o.reserve ?? 100);
  const waiting = new Set((await redis.zrange(k.queue, 0, -1, "WITHSCORES")).filter((_, i) => i % 2 === 1).map(Number));
  const numbers: number[] = [];
  for (let n = serving + 1; n <= seq; n++) if (!waiting.has(n)) numbers.push(n);
  const restoredAt = Date.now();
  const m = redis.multi().hset(k.queueState, { status: "open", restoredAt, restoreKind: o.kind ?? "full" }).hincrby(k.queueState, "restores", 1).set(k.serving, serving).set(k.seq, seq);
  if (numbers.length > 0) m.zadd(k.lost, ...numbers.flatMap((n) => [n, n])).zadd(k.gone, ...numbers.flatMap((n) => [n, n])).pexpire(k.lost, 300_000);
  await m.sadd(globalKeys.queues, eventId).exec();
  return restoredAt;
}

const json = async (res: Response) => ({ status: res.status, retryAfter: res.headers.get("retry-after"), type: res.headers.get("content-type"), body: (await res.json()) as any });

async function stream(eventId: string, fan: Fan) {
  const res = await call(env, `/queue/${eventId}/events`, { jar: fan.jar });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toStartWith("text/event-stream");
  const reader = new SseReader(res);
  readers.push(reader);
  return reader;
}

/** Every event of a stream up to the first one named `until` (heartbeats skipped). */
async function eventsUntil(reader: SseReader, until: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  const seen: Array<{ event: string; data: any }> = [];
  for (;;) {
    const ev = await reader.next(Math.max(1, deadline - Date.now()));
    if (ev === null) throw new Error(`stream ended before ${until}; saw ${seen.map((e) => e.event).join(",")}`);
    if (!("event" in ev)) continue;
    seen.push({ event: ev.event, data: JSON.parse(ev.data) });
    if (ev.event === until) return seen;
  }
}

async function until<T>(probe: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (done(v) || Date.now() > deadline) return v;
    await Bun.sleep(50);
  }
}

describe("while the line is being restored", () => {
  test("a waiting fan's status is 200 `restoring` with no position; a join with the ticket and a claim are 503 RESTORING JSON with Retry-After", async () => {
    const eventId = await openEvent("lost-state");
    const fan = await joinFan(eventId);
    await redis.del(eventKeys(eventId).queueState);

    const status = await json(await call(env, `/queue/${eventId}/status`, { jar: fan.jar }));
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ ...RESTORING, eventId, ticketNumber: fan.num, position: null, admitted: false });
    expect(status.body).not.toHaveProperty("ahead");

    const rejoin = await json(await call(env, `/queue/${eventId}/join`, { method: "POST", jar: fan.jar }));
    expect(rejoin).toMatchObject({ status: 503, retryAfter: "2", body: { code: "RESTORING", message: RESTORING.message } });
    expect(rejoin.type).toStartWith("application/json");
    // the fan's ticket is kept: no new one is set, no number is taken
    expect(await redis.get(eventKeys(eventId).seq)).toBe("1");

    const claim = await json(await call(env, `/queue/${eventId}/claim`, { method: "POST", jar: fan.jar }));
    expect(claim).toMatchObject({ status: 503, retryAfter: "2", body: { code: "RESTORING", message: "We are restoring the line; your turn is kept. Try again in a few seconds." } });
  });

  test("a join without a ticket is 503 RESTORING when the registry of queues is gone too, and 404 NO_SUCH_EVENT while the registry is there", async () => {
    const other = await openEvent("registry-kept");
    const missing = uniqueEventId("no-room");
    expect(await json(await call(env, `/queue/${missing}/join`, { method: "POST" }))).toMatchObject({ status: 404, body: { code: "NO_SUCH_EVENT" } });
    await redis.del(globalKeys.queues);
    const restoring = await json(await call(env, `/queue/${missing}/join`, { method: "POST" }));
    expect(restoring).toMatchObject({ status: 503, retryAfter: "2", body: { code: "RESTORING" } });
    const page = await call(env, `/events/${missing}`);
    expect(page.status).toBe(503);
    expect(page.headers.get("retry-after")).toBe("2");
    expect(await page.text()).toContain("We are restoring the waiting room.");
    await redis.sadd(globalKeys.queues, other);
  });

  test("the waiting page of a fan holding a ticket says the line is being restored, in a polite live region, and shows no position", async () => {
    const eventId = await openEvent("lost-page");
    const fan = await joinFan(eventId);
    await redis.hdel(eventKeys(eventId).queueState, "status");
    const page = await call(env, `/events/${eventId}`, { jar: fan.jar });
    expect(page.status).toBe(200);
    const html = await withScripts(env, await page.text());
    expect(html).toContain(`<p id="restoring" class="restoring" role="status" aria-live="polite">We are restoring the line; you keep your place.</p>`);
    expect(html).toContain(`<p class="big" id="position">...</p>`);
    expect(html).toContain(`addEventListener("restoring"`);
  });
});

describe("after the restore", () => {
  test("fans who come back with their tickets are put back at their own numbers through join, status and stream reconnect: the line keeps its order", async () => {
    const eventId = await openEvent("replace");
    const fans: Fan[] = [];
    for (let i = 0; i < 6; i++) fans.push(await joinFan(eventId));
    expect(fans.map((f) => f.num)).toEqual([1, 2, 3, 4, 5, 6]);
    await redis.flushall();
    await restore(eventId, { issued: 6 });
    const k = eventKeys(eventId);

    // fan 3 by join: back at number 3, first in line for now (1 and 2 have not come back)
    const joined = await json(await call(env, `/queue/${eventId}/join`, { method: "POST", jar: fans[2]!.jar }));
    expect(joined.status).toBe(200);
    expect(joined.body).toMatchObject({ ticketNumber: 3, position: 1, status: "open", admitted: false });
    // fan 5 by a status poll, fan 1 by a stream reconnect
    expect((await json(await call(env, `/queue/${eventId}/status`, { jar: fans[4]!.jar }))).body).toMatchObject({ ticketNumber: 5, position: 2 });
    const s1 = await stream(eventId, fans[0]!);
    expect((await s1.nextEvent("position")).data).toMatchObject({ ticketNumber: 1, position: 1 });
    // the rest come back; each is at their own number, in the order they had
    for (const i of [1, 3, 5]) expect((await json(await call(env, `/queue/${eventId}/status`, { jar: fans[i]!.jar }))).body.ticketNumber).toBe(i + 1);
    expect(await redis.zrange(k.queue, 0, -1)).toEqual(fans.map((f) => f.tid));
    // the isolate's snapshot catches up within a tick
    const positions = await until(
      () => Promise.all(fans.map(async (fan) => (await json(await call(env, `/queue/${eventId}/status`, { jar: fan.jar }))).body.position)),
      (p) => p.join() === "1,2,3,4,5,6",
    );
    expect(positions).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await redis.hget(k.queueState, "replacedTotal")).toBe("6");
    expect(await redis.zscore(k.lost, "1")).toBeNull();
    expect(await redis.zscore(k.gone, "1")).toBeNull();

    // coming back twice is not counted twice; a new fan gets a number above every one issued before
    expect((await json(await call(env, `/queue/${eventId}/join`, { method: "POST", jar: fans[2]!.jar }))).body.ticketNumber).toBe(3);
    expect(await redis.hget(k.queueState, "replacedTotal")).toBe("6");
    const newcomer = await joinFan(eventId);
    expect(newcomer.num).toBe(107);
  });

  test("a ticket whose number is not in lost is not put back: a join gets a new place at the back, a status poll 410, a stream `expired`", async () => {
    const eventId = await openEvent("not-lost");
    const stayed = await joinFan(eventId);
    const left = await joinFan(eventId);
    await redis.flushall();
    await restore(eventId, { issued: 2 });
    // the fan of number 2 was taken back already (another tab, or the restore's grace passed)
    await redis.zrem(eventKeys(eventId).lost, "2");
    expect((await json(await call(env, `/queue/${eventId}/status`, { jar: left.jar }))).status).toBe(410);
    const s = await stream(eventId, left);
    expect((await s.nextEvent("expired")).data.code).toBe("LEFT_QUEUE");
    const again = await json(await call(env, `/queue/${eventId}/join`, { method: "POST", jar: left.jar }));
    expect(again.status).toBe(201);
    expect(again.body.ticketNumber).toBe(103);
    expect((await json(await call(env, `/queue/${eventId}/status`, { jar: stayed.jar }))).body).toMatchObject({ ticketNumber: 1, position: 1 });
  });

  test("an admitted fan who had not claimed claims within the window once the restore wrote the admission back; while restoring, the claim is kept, not refused", async () => {
    const eventId = await openEvent("claim-restore");
    const fan = await joinFan(eventId);
    const k = eventKeys(eventId);
    await redis.multi().zrem(k.queue, fan.tid).zrem(k.seen, fan.tid).zadd(k.admitted, Date.now() + 60_000, fan.tid).set(k.serving, 1).exec();
    await redis.flushall();
    const during = await json(await call(env, `/queue/${eventId}/claim`, { method: "POST", jar: new Map(fan.jar) }));
    expect(during).toMatchObject({ status: 503, retryAfter: "2", body: { code: "RESTORING" } });
    await restore(eventId, { issued: 1, serving: 1 });
    await redis.zadd(k.admitted, Date.now() + 60_000, fan.tid);
    const claimed = await json(await call(env, `/queue/${eventId}/claim`, { method: "POST", jar: new Map(fan.jar) }));
    expect(claimed.status).toBe(200);
    expect(claimed.body.sessionId).toBe(await sessionIdFor(fan.tid));
  });

  test("a claim's session id is derived from the ticket and logged: claimed again after a loss, the ticket is the same session", async () => {
    const eventId = await openEvent("sid");
    const fan = await joinFan(eventId);
    const k = eventKeys(eventId);
    const admit = () => redis.multi().zrem(k.queue, fan.tid).zrem(k.seen, fan.tid).zadd(k.admitted, Date.now() + 60_000, fan.tid).set(k.serving, 1).exec();
    await admit();
    const first = await json(await call(env, `/queue/${eventId}/claim`, { method: "POST", jar: new Map(fan.jar) }));
    expect(first.status).toBe(200);
    const expiry = Date.parse(first.body.expiresAt);
    expect(await redis.lrange(k.claimLog, 0, -1)).toEqual([`${fan.tid} ${first.body.sessionId} ${expiry}`]);
    expect(await redis.zscore(k.active, first.body.sessionId)).toBe(String(expiry));
    // Redis lost the claim before it reached MySQL; the restore admits the ticket again
    await redis.flushall();
    await restore(eventId, { issued: 1, serving: 1 });
    await admit();
    const second = await json(await call(env, `/queue/${eventId}/claim`, { method: "POST", jar: new Map(fan.jar) }));
    expect(second.status).toBe(200);
    expect(second.body.sessionId).toBe(first.body.sessionId);
    expect(await redis.zcard(k.active)).toBe(1);
  });
});

describe("streams", () => {
  test("one failed shared read drops the isolate's snapshot for every caller of the tick: they are told at once, without reading again, and the next tick reads", async () => {
    const eventId = await openEvent("hub-fail");
    const hub = hubFor(eventId);
    expect((await hub.ensureFresh(env, null, 0)).status).toBe("open");
    const dead = testEnv("http://127.0.0.1:9", { TICK_MS: "60000" });
    await expect(hub.ensureFresh(dead, null, 0)).rejects.toBeInstanceOf(SnapshotUnavailable);
    expect(hub.snapshot).toBeNull();
    const reads = hub.reads;
    // every other stream of the isolate, whatever its own tick: no stale positions, no second read
    for (let i = 0; i < 5; i++) await expect(hub.ensureFresh(dead)).rejects.toBeInstanceOf(SnapshotUnavailable);
    expect(hub.reads).toBe(reads);
    // once a read succeeds, everyone has a snapshot again
    expect((await hub.ensureFresh(env, null, 0)).status).toBe("open");
    expect(hub.reads).toBe(reads + 1);
  });

  test("no stream shows a position while the status is missing; once restored, each stream touches its ticket again and resumes with its true position", async () => {
    const eventId = await openEvent("streams");
    const fans: Fan[] = [];
    for (let i = 0; i < 4; i++) fans.push(await joinFan(eventId));
    const streams = await Promise.all(fans.map((f) => stream(eventId, f)));
    for (const [i, s] of streams.entries()) expect((await s.nextEvent("position")).data.position).toBe(i + 1);

    await redis.flushall();
    // every stream says it is restoring; none sends a position meanwhile
    for (const s of streams) expect((await eventsUntil(s, "restoring")).map((e) => e.event)).toEqual(["restoring"]);
    for (const s of streams) {
      const ev = await s.next(400).catch(() => null);
      expect(ev === null || !("event" in ev)).toBe(true); // heartbeats only
    }
    // the fan of number 2 never comes back (their stream closes); the others are put back by their streams
    await streams[1]!.close();
    const restoredAt = await restore(eventId, { issued: 4 });
    const resumed = await Promise.all(streams.filter((_, i) => i !== 1).map((s) => s.nextEvent("position")));
    for (const p of resumed) expect(Date.parse(p.data.lastUpdated)).toBeGreaterThanOrEqual(restoredAt - 5);
    expect(resumed.map((p) => p.data.ticketNumber)).toEqual([1, 3, 4]);
    // true positions: number 2 is in gone, so it counts as nobody ahead
    const settled = await Promise.all(
      streams.filter((_, i) => i !== 1).map(async (s, j) => {
        let p = resumed[j]!.data;
        while (p.position !== j + 1) p = (await s.nextEvent("position")).data;
        return p.position;
      }),
    );
    expect(settled).toEqual([1, 2, 3]);
    expect(await redis.zrange(eventKeys(eventId).queue, 0, -1)).toEqual([fans[0]!.tid, fans[2]!.tid, fans[3]!.tid]);
    for (const s of streams) await s.close();
  });

  test("after a partial loss (the line restored while streams kept reading), a stream whose ticket the restore kept in lost puts it back at its number", async () => {
    const eventId = await openEvent("partial");
    const a = await joinFan(eventId);
    const b = await joinFan(eventId);
    const s = await stream(eventId, b);
    expect((await s.nextEvent("position")).data.position).toBe(2);
    const k = eventKeys(eventId);
    // Redis came back from an older snapshot without b's place; the restore kept number 2
    await redis.multi().zrem(k.queue, b.tid).zrem(k.seen, b.tid).exec();
    await restore(eventId, { issued: 2, kind: "partial" });
    const back = await until(() => redis.zscore(k.queue, b.tid), (v) => v !== null);
    expect(back).toBe("2");
    expect(await redis.zscore(k.lost, "2")).toBeNull();
    expect((await json(await call(env, `/queue/${eventId}/status`, { jar: a.jar }))).body.position).toBe(1);
    await s.close();
  });
});

describe("GET /health", () => {
  test("ok with every registered line in place; 503 degraded JSON with Retry-After when a line has no status, the registry is gone, or Redis cannot be reached", async () => {
    await redis.flushall();
    const eventId = await openEvent("health");
    const probe = async (e = env) => {
      await Bun.sleep(1050); // each isolate answers from its last check for a second
      return json(await call(e, "/health"));
    };
    expect(await probe()).toMatchObject({ status: 200, body: { status: "ok", redis: { reachable: true }, registry: { present: true, events: 1 }, restoring: [] } });
    await redis.hdel(eventKeys(eventId).queueState, "status");
    expect(await probe()).toMatchObject({ status: 503, retryAfter: "5", body: { status: "degraded", registry: { present: true }, restoring: [eventId] } });
    await redis.del(globalKeys.queues);
    expect(await probe()).toMatchObject({ status: 503, body: { status: "degraded", redis: { reachable: true }, registry: { present: false, events: 0 } } });
    const dead = testEnv("http://127.0.0.1:9");
    expect(await probe(dead)).toMatchObject({ status: 503, retryAfter: "5", body: { status: "degraded", redis: { reachable: false } } });
  });
});
