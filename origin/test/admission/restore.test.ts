/**
 * The line survives Redis: the waiting room, its checkpoint and its admissions live in
 * MySQL, and the scheduling leader rebuilds a line Redis lost (came back empty, or from an
 * older snapshot) without any admin call. These tests run their own redis-server, kill it
 * with SIGKILL and start it again, and drive the real scheduler tick by tick.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type Redis from "ioredis";
import { eventKeys, globalKeys } from "../../../common/keys.ts";
import { sessionIdFor, signActiveToken } from "../../../common/tokens.ts";
import { forPlainRedis } from "../../../lua/flags.ts";
import { ClaimCode } from "../../../lua/codes.ts";
import { redisScripts, seedJoinArgs } from "../../../lua/registry.ts";
import { signingKeyFromEnv } from "../../../test/kit/dev-sessions.ts";
import type { Scheduler } from "../../src/admission/scheduler.ts";
import { Harness } from "../support/harness.ts";
import { PrivateRedis } from "../../../test/kit/private-redis.ts";

let server: PrivateRedis;
let h: Harness;
let scheduler: Scheduler;
const admin = () => ({ authorization: `Bearer ${h.config.adminKey}` });

beforeAll(async () => {
  server = await PrivateRedis.start();
  h = await Harness.create("restore", { redisUrl: server.url });
  scheduler = h.app.deps.admission.scheduler;
});
afterAll(async () => {
  await scheduler.settled();
  await h.close();
  await server.kill();
});

async function newEvent(label: string, settings: Record<string, unknown>): Promise<string> {
  const eventId = `${h.eventId}-${label}`;
  await h.createEvent({ id: eventId });
  const opened = await h.call("POST", `/admin/events/${eventId}/queue`, { headers: admin(), body: { adaptive: false, ...settings } });
  expect(opened.status).toBe(201);
  return eventId;
}

/** Fans join through the edge's join script (as the JoinBatcher sends them); returns ticket id -> number. */
async function join(redis: Redis, eventId: string, count: number, prefix: string): Promise<Map<string, number>> {
  const keys = redisScripts.joinQueue.keys(eventKeys(eventId));
  const ids = Array.from({ length: count }, (_, i) => `${prefix}-${i}-${crypto.randomUUID().slice(0, 8)}`);
  const source = forPlainRedis(redisScripts.joinQueue.source);
  await Promise.all(
    Array.from({ length: Math.ceil(count / 50) }, (_, b) => redis.eval(source, keys.length, ...keys, ...seedJoinArgs(Date.now(), ids.slice(b * 50, b * 50 + 50)))),
  );
  const numbers = new Map<string, number>();
  for (const id of ids) numbers.set(id, Number(await redis.zscore(eventKeys(eventId).queue, id)));
  return numbers;
}

/** An admitted fan claims (the edge's claim script) and the claim is logged as the edge logs it. */
async function claimTurn(redis: Redis, eventId: string, tid: string): Promise<string> {
  const k = eventKeys(eventId);
  const sid = await sessionIdFor(tid);
  const keys = redisScripts.claimTurn.keys(k);
  const [code, expiry] = (await redis.eval(forPlainRedis(redisScripts.claimTurn.source), keys.length, ...keys, tid, sid, Date.now(), 600_000)) as [number, number];
  expect(code).toBe(ClaimCode.CLAIMED);
  await redis.rpush(k.claimLog, `${tid} ${sid} ${expiry}`);
  return sid;
}

/** Ticks the scheduler until `done` holds; returns the ticks it took. */
async function tickUntil(done: () => Promise<boolean>, most = 60): Promise<number> {
  for (let ticks = 1; ticks <= most; ticks++) {
    await scheduler.tick().catch(() => {});
    await scheduler.settled();
    if (await done().catch(() => false)) return ticks;
    await Bun.sleep(60);
  }
  throw new Error(`not done after ${most} ticks`);
}

async function redisAnswers(): Promise<void> {
  // the client reconnects with a backoff: on a busy machine that can take several seconds
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
    if (await h.redis.ping().then(() => true, () => false)) return;
    await Bun.sleep(25);
  }
  throw new Error("Redis did not answer");
}

async function mysql<T>(sql: string, values: unknown[]): Promise<T[]> {
  const [rows] = (await h.database.pool.query(sql, values)) as unknown as [T[]];
  return rows;
}

const num = async (redis: Redis, key: string) => Number((await redis.get(key)) ?? 0);

describe("a Redis that comes back empty", () => {
  test("the leader rebuilds the line from MySQL within a few ticks, with no admin call: settings, pointer, unclaimed admissions, numbers above all issued, /ready degraded meanwhile", async () => {
    const eventId = await newEvent("full", { rate: 2000, maxActive: 50 });
    const k = eventKeys(eventId);
    await join(h.redis, eventId, 300, "early");
    await tickUntil(async () => (await h.redis.zcard(k.admitted)) === 50);
    const admitted = await h.redis.zrange(k.admitted, 0, -1);
    const claimed = admitted.slice(0, 10);
    const sids = await Promise.all(claimed.map((tid) => claimTurn(h.redis, eventId, tid)));
    // the checkpoint and the claims reach MySQL
    await tickUntil(async () => (await mysql<{ n: number }>("SELECT COUNT(*) AS n FROM admissions WHERE event_id = ? AND session_id IS NOT NULL", [eventId]))[0]!.n === 10);
    const [checkpoint] = await mysql<{ serving: number; lastNumber: number }>("SELECT serving, last_number AS lastNumber FROM queue_checkpoints WHERE event_id = ?", [eventId]);
    expect({ serving: Number(checkpoint!.serving), lastNumber: Number(checkpoint!.lastNumber) }).toEqual({ serving: 50, lastNumber: 300 });
    const rows = await mysql<{ ticketId: string; sessionId: string | null; number: number }>("SELECT ticket_id AS ticketId, session_id AS sessionId, number FROM admissions WHERE event_id = ?", [eventId]);
    expect(rows.length).toBe(50);
    expect(new Set(rows.map((r) => Number(r.number)))).toEqual(new Set(Array.from({ length: 50 }, (_, i) => i + 1)));
    expect(new Set(rows.filter((r) => r.sessionId).map((r) => r.sessionId))).toEqual(new Set(sids));
    expect(await h.redis.llen(k.claimLog)).toBe(0);

    // numbers issued after the last checkpoint, then Redis dies and comes back empty
    const late = await join(h.redis, eventId, 200, "late");
    const highest = Math.max(...late.values());
    expect(highest).toBe(500);
    await server.restart();
    await redisAnswers();
    expect(await h.redis.exists(k.queueState, globalKeys.queues)).toBe(0);
    const degraded = await h.call("GET", "/ready");
    expect(degraded).toMatchObject({ status: 503, body: { status: "degraded", redis: true, mysql: true } });
    expect(degraded.body.restoring).toContain(eventId);
    expect(await h.call("GET", `/admin/events/${eventId}/queue`, { headers: admin() })).toMatchObject({ status: 503, body: { code: "RESTORING" } });

    const ticks = await tickUntil(async () => (await h.redis.hget(k.queueState, "restoredAt")) !== null);
    expect(ticks).toBeLessThanOrEqual(3);
    const state = await h.redis.hgetall(k.queueState);
    expect(state).toMatchObject({ status: "open", rate: "2000", maxActive: "50", adaptive: "0", restoreKind: "full", restores: "1", eventName: "Test night" });
    expect(await h.redis.sismember(globalKeys.queues, eventId)).toBe(1);
    expect(await h.redis.hget(k.config, "perOrderLimit")).toBe("4");
    // the pointer where it was; every number ever issued is behind the counter
    expect(await num(h.redis, k.serving)).toBe(50);
    const seq = await num(h.redis, k.seq);
    expect(seq).toBeGreaterThan(highest);
    // admitted fans who had not claimed can still claim; claimed ones are not admitted again
    expect(new Set(await h.redis.zrange(k.admitted, 0, -1))).toEqual(new Set(admitted.slice(10)));
    expect(await claimTurn(h.redis, eventId, admitted[20]!)).toBe(await sessionIdFor(admitted[20]!));
    // every number above the pointer waits for its fan, and counts as nobody ahead
    expect(await h.redis.zcard(k.lost)).toBe(seq - 50);
    expect(await h.redis.zcard(k.gone)).toBe(seq - 50);
    expect(Number(await h.redis.pttl(k.lost))).toBeGreaterThan(0);
    expect(Number(state.lostTotal)).toBe(seq - 50);
    expect(await h.call("GET", "/ready")).toMatchObject({ status: 200, body: { status: "ready" } });

    // a new fan gets a number above every number issued before, and the sale goes on by itself
    const [newcomer, number] = [...(await join(h.redis, eventId, 1, "new")).entries()][0]!;
    expect(number).toBe(seq + 1);
    await tickUntil(async () => (await h.redis.zscore(k.admitted, newcomer)) !== null);
    const [restored] = await mysql<{ restores: number; kind: string }>("SELECT restores, restore_kind AS kind FROM queue_checkpoints WHERE event_id = ?", [eventId]);
    expect(restored).toEqual({ restores: 1, kind: "full" });
    // the dashboard's samples carry the restore
    await tickUntil(async () => (await h.redis.llen(k.dashboard)) > 0);
    const dashboard = await h.call("GET", `/admin/events/${eventId}/dashboard`, { headers: admin() });
    expect(dashboard.body.queue.restore).toMatchObject({ kind: "full", restores: 1, lostNumbers: seq - 50 });
    expect(dashboard.body.samples.at(-1)).toMatchObject({ restoreKind: "full", restoredAt: Number(state.restoredAt), replacedTotal: 0 });
  });

  test("a line of 400,000 numbers is rebuilt in short script calls: no command holds Redis for a second, every number above the pointer waits for its fan", async () => {
    const eventId = await newEvent("long", { rate: 10, maxActive: 10 });
    const k = eventKeys(eventId);
    await join(h.redis, eventId, 20, "head");
    // as if 400,000 fans had joined: the counter reaches MySQL with the next checkpoint
    await h.redis.set(k.seq, 400_000);
    await tickUntil(async () => Number((await mysql<{ n: number }>("SELECT last_number AS n FROM queue_checkpoints WHERE event_id = ?", [eventId]))[0]?.n) === 400_000);
    await server.restart();
    await redisAnswers();
    await h.redis.config("SET", "slowlog-log-slower-than", "1000000");
    await h.redis.slowlog("RESET");
    await tickUntil(async () => (await h.redis.hget(k.queueState, "restoredAt")) !== null);
    // one call marking all of them held this Redis for over 5 s (BUSY to every other client)
    expect(await h.redis.slowlog("GET", 10)).toEqual([]);
    const serving = await num(h.redis, k.serving);
    const seq = await num(h.redis, k.seq);
    expect(seq).toBeGreaterThan(400_000);
    expect(await h.redis.zcard(k.lost)).toBe(seq - serving);
    expect(await h.redis.zcard(k.gone)).toBe(seq - serving);
    expect(Number(await h.redis.hget(k.queueState, "lostTotal"))).toBe(seq - serving);
    // a new fan is the next number, with nobody ahead but the fans who come back
    const [newcomer, number] = [...(await join(h.redis, eventId, 1, "new")).entries()][0]!;
    expect(number).toBe(seq + 1);
    expect(await h.redis.zcount(k.gone, `(${serving}`, `(${number}`)).toBe(number - serving - 1);
    await tickUntil(async () => (await h.redis.zscore(k.admitted, newcomer)) !== null);
  });

  test("sessions: a live one is registered again from its token; one that left or bought never comes back; 503 RESTORING while the line is missing", async () => {
    const eventId = await newEvent("sessions", { rate: 10, maxActive: 100 });
    const [left, bought, live] = await h.sessions(3, 600, eventId);
    expect((await h.call("DELETE", `/api/events/${eventId}/session`, { token: left!.token })).status).toBe(200);
    const hold = await h.hold(bought!.token, ["A-1-1"], eventId);
    expect((await h.purchase(bought!.token, hold.body.holdId, undefined, eventId)).status).toBe(201);

    await server.restart();
    await redisAnswers();
    const waiting = await h.call("GET", `/api/events/${eventId}/holds`, { token: live!.token });
    expect(waiting).toMatchObject({ status: 503, body: { code: "RESTORING", message: expect.stringContaining("restoring the line") } });
    expect(waiting.headers.get("retry-after")).toBe("2");

    await tickUntil(async () => (await h.redis.hget(eventKeys(eventId).queueState, "restoredAt")) !== null);
    expect(await h.call("GET", `/api/events/${eventId}/holds`, { token: live!.token })).toMatchObject({ status: 200, body: { holds: [] } });
    const score = Number(await h.redis.zscore(eventKeys(eventId).active, live!.sid));
    expect(score).toBeGreaterThan(Date.now());
    // sold stays sold; the seat settings are back, so the live fan holds at once
    expect(await h.hold(live!.token, ["A-1-1"], eventId)).toMatchObject({ status: 409, body: { code: "SEAT_SOLD" } });
    expect((await h.hold(live!.token, ["A-1-2"], eventId)).status).toBe(201);
    for (const ended of [left!, bought!]) {
      expect(await h.call("GET", `/api/events/${eventId}/holds`, { token: ended.token })).toMatchObject({ status: 403, body: { code: "SESSION_INACTIVE" } });
      expect(await h.redis.zscore(eventKeys(eventId).active, ended.sid)).toBeNull();
    }
    // a token issued after the restore whose session ended is not brought back
    await Bun.sleep(1100);
    const [later] = await h.sessions(1, 600, eventId);
    await h.redis.zrem(eventKeys(eventId).active, later!.sid);
    expect((await h.call("GET", `/api/events/${eventId}/holds`, { token: later!.token })).status).toBe(403);
  });

  test("a staff session comes back as staff: registered again from its token in `staff` too, so fans still get every slot of maxActive", async () => {
    const eventId = await newEvent("staff", { rate: 50, maxActive: 1 });
    const k = eventKeys(eventId);
    // a bypass rule's session, as the edge gives it (admitStaff-3) with its token
    const sid = `st_${crypto.randomUUID().replaceAll("-", "")}`;
    const token = await signActiveToken({ evt: eventId, sid, staff: true }, 600, signingKeyFromEnv(process.env));
    const staffKeys = redisScripts.admitStaff.keys(k);
    await h.redis.eval(forPlainRedis(redisScripts.admitStaff.source), staffKeys.length, ...staffKeys, sid, Date.now(), 600_000);

    await server.restart();
    await redisAnswers();
    await tickUntil(async () => (await h.redis.hget(k.queueState, "restoredAt")) !== null);
    // staff come back with their token, as staff
    expect(await h.call("GET", `/api/events/${eventId}/holds`, { token })).toMatchObject({ status: 200, body: { holds: [] } });
    expect(Number(await h.redis.zscore(k.active, sid))).toBeGreaterThan(Date.now());
    expect(await h.redis.zscore(k.staff, sid)).toBe(await h.redis.zscore(k.active, sid));
    expect((await h.hold(token, ["A-1-1"], eventId)).status).toBe(201);
    // the one slot of maxActive is still a fan's: the fan who joins after the restore is let in
    const [fan] = [...(await join(h.redis, eventId, 1, "after-staff")).keys()];
    await tickUntil(async () => (await h.redis.zscore(k.admitted, fan!)) !== null);
  });
});

describe("a Redis that comes back from an older snapshot", () => {
  test("is detected by its counters and rebuilt: pointer and counter from the checkpoint, later admissions back, later claims and departures kept, no number reused", async () => {
    const eventId = await newEvent("partial", { rate: 2000, maxActive: 30 });
    const k = eventKeys(eventId);
    const key = signingKeyFromEnv(process.env);
    await join(h.redis, eventId, 200, "early");
    await tickUntil(async () => (await h.redis.zcard(k.admitted)) === 30);
    const first = await h.redis.zrange(k.admitted, 0, -1);
    const firstSids = await Promise.all(first.slice(0, 5).map((tid) => claimTurn(h.redis, eventId, tid)));
    await tickUntil(async () => (await mysql<{ n: number }>("SELECT COUNT(*) AS n FROM admissions WHERE event_id = ? AND session_id IS NOT NULL", [eventId]))[0]!.n === 5);
    const snapshot = await server.snapshot("older");

    // after the snapshot: more claims, a fan leaves, the organiser raises maxActive, more fans admitted and more join
    const laterClaims = first.slice(5, 10);
    await Promise.all(laterClaims.map((tid) => claimTurn(h.redis, eventId, tid)));
    const leaverToken = await signActiveToken({ evt: eventId, sid: firstSids[0]! }, 600, key);
    expect((await h.call("DELETE", `/api/events/${eventId}/session`, { token: leaverToken })).status).toBe(200);
    expect((await h.call("PATCH", `/admin/events/${eventId}/queue`, { headers: admin(), body: { maxActive: 59 } })).status).toBe(200); // 9 live sessions + 20 unclaimed: 30 more
    await tickUntil(async () => (await num(h.redis, k.serving)) === 60);
    const late = await join(h.redis, eventId, 100, "late");
    await tickUntil(async () => {
      const [c] = await mysql<{ serving: number; last: number; claims: number }>(
        "SELECT serving, last_number AS last, (SELECT COUNT(*) FROM admissions WHERE event_id = ? AND session_id IS NOT NULL) AS claims FROM queue_checkpoints WHERE event_id = ?",
        [eventId, eventId],
      );
      return Number(c?.serving) === 60 && Number(c?.last) === 300 && Number(c?.claims) === 10;
    });
    const admittedAfter = (await h.redis.zrange(k.admitted, 0, -1)).filter((tid) => !first.includes(tid));
    expect(admittedAfter.length).toBe(30);

    await server.restartFrom(snapshot);
    await redisAnswers();
    // Redis went back in time: the line as it was at the snapshot
    expect(await num(h.redis, k.serving)).toBe(30);
    expect(await num(h.redis, k.seq)).toBe(200);
    expect(await h.redis.zscore(k.active, firstSids[0]!)).not.toBeNull();

    await tickUntil(async () => (await h.redis.hget(k.queueState, "restoreKind")) === "partial", 5);
    expect(await num(h.redis, k.serving)).toBe(60);
    const seq = await num(h.redis, k.seq);
    expect(seq).toBeGreaterThan(300);
    expect(await h.redis.hget(k.queueState, "maxActive")).toBe("59");
    // nobody at or below the pointer still waits; fans admitted after the snapshot are admitted again, claims stay claimed
    expect(await h.redis.zcount(k.queue, "-inf", 60)).toBe(0);
    expect(await h.redis.zcount(k.queue, 61, 200)).toBe(140);
    const admittedNow = new Set(await h.redis.zrange(k.admitted, 0, -1));
    for (const tid of admittedAfter) expect(admittedNow.has(tid)).toBe(true);
    for (const tid of [...first.slice(0, 10)]) expect(admittedNow.has(tid)).toBe(false);
    // the session that left after the snapshot stays ended
    expect(await h.redis.zscore(k.active, firstSids[0]!)).toBeNull();
    expect(await h.call("GET", `/api/events/${eventId}/holds`, { token: leaverToken })).toMatchObject({ status: 403, body: { code: "SESSION_INACTIVE" } });
    // the numbers the snapshot never saw wait for their fans; those of waiting tickets do not
    for (const n of late.values()) expect(await h.redis.zscore(k.lost, String(n))).not.toBeNull();
    expect(await h.redis.zcount(k.lost, 61, 200)).toBe(0);
    const [, fresh] = [...(await join(h.redis, eventId, 1, "new")).entries()][0]!;
    expect(fresh).toBe(seq + 1);
  });
});

describe("a leader whose rooms were read before Redis reconnected", () => {
  test("judges the line against MySQL as it is at its first tick after Redis answers, so a loss another instance's checkpoint shows is found at once, not at the next listing", async () => {
    const eventId = await newEvent("relisted", { rate: 2000, maxActive: 30 });
    const k = eventKeys(eventId);
    await join(h.redis, eventId, 100, "fan");
    await tickUntil(async () => (await h.redis.zcard(k.admitted)) === 30);
    await tickUntil(async () => Number((await mysql<{ serving: number }>("SELECT serving FROM queue_checkpoints WHERE event_id = ?", [eventId]))[0]?.serving) === 30);
    const snapshot = await server.snapshot("before-another-leader");
    // what another instance, leading for a while, checkpointed after the copy Redis comes back from
    await mysql("UPDATE queue_checkpoints SET serving = 45, last_number = 150 WHERE event_id = ?", [eventId]);

    await server.restartFrom(snapshot);
    await redisAnswers();
    expect(await num(h.redis, k.serving)).toBe(30);
    await scheduler.tick();
    await scheduler.settled();
    expect(await h.redis.hget(k.queueState, "restoreKind")).toBe("partial");
    expect(await num(h.redis, k.serving)).toBe(45);
    expect(await num(h.redis, k.seq)).toBeGreaterThan(150);
  });
});
