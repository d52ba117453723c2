/**
 * The waiting room's definition is in MySQL: every admin route writes it there in the same
 * request, before Redis, and a Redis that missed a write is caught up by the leader. The
 * restore's pieces: the reserve above the checkpoint and a restore of 100,000 lost numbers.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eventKeys } from "../../../common/keys.ts";
import { RestoreCode } from "../../../lua/codes.ts";
import { changeRoom } from "../../src/admission/rooms.ts";
import { parseSchedulerConfig } from "../../src/admission/config.ts";
import { IssueRate } from "../../src/admission/issue-rate.ts";
import { OPENING_GRACE_MS, reserveFor } from "../../src/admission/restore.ts";
import { acquireLease, restoreLine } from "../../src/admission/scripts.ts";
import { obliterateEvent } from "../../../test/kit/obliterate.ts";
import { Harness } from "../support/harness.ts";

let h: Harness;
const admin = () => ({ authorization: `Bearer ${h.config.adminKey}` });

beforeAll(async () => {
  h = await Harness.create("rooms");
});
afterAll(async () => {
  await h.redis.srem("cu:queues", ...h.createdEvents);
  await h.close();
});

const row = async (eventId: string) => {
  const [rows] = (await h.database.pool.query("SELECT * FROM waiting_rooms WHERE event_id = ?", [eventId])) as unknown as [Array<Record<string, unknown>>];
  return rows[0];
};

describe("the waiting room in MySQL", () => {
  test("open, PATCH, pause, resume and close each write MySQL in the same request; Redis holds the same version", async () => {
    const eventId = h.eventId;
    const path = `/admin/events/${eventId}/queue`;
    const version = async () => Number(await h.redis.hget(eventKeys(eventId).queueState, "roomVersion"));

    expect((await h.call("POST", path, { headers: admin(), body: { rate: 25, claimSeconds: 30, adaptive: false } })).status).toBe(201);
    expect(await row(eventId)).toMatchObject({ status: "open", rate: 25, claim_seconds: 30, adaptive: 0, max_active: 1000, version: 1, close_reason: null });
    expect(await version()).toBe(1);
    expect(await h.call("POST", path, { headers: admin(), body: {} })).toMatchObject({ status: 409, body: { code: "QUEUE_EXISTS" } });

    expect((await h.call("PATCH", path, { headers: admin(), body: { rate: null, maxActive: 7, sessionSeconds: 120, maxWaiting: 500, minChance: 15 } })).status).toBe(200);
    expect(await row(eventId)).toMatchObject({ rate: null, max_active: 7, session_seconds: 120, max_waiting: 500, min_chance: 15, claim_seconds: 30, version: 2 });
    expect(await h.redis.hmget(eventKeys(eventId).queueState, "rate", "maxActive", "maxWaiting", "minChance")).toEqual([null, "7", "500", "15"]);
    expect(await version()).toBe(2);
    // minChance null: the line never stops early again, in MySQL and Redis alike
    const cleared = await h.call("PATCH", path, { headers: admin(), body: { minChance: null } });
    expect(cleared.body.settings.minChance).toBeNull();
    expect(await row(eventId)).toMatchObject({ min_chance: null, version: 3 });
    expect(await h.redis.hget(eventKeys(eventId).queueState, "minChance")).toBeNull();
    for (const minChance of [0, 51, 2.5, "10"]) expect((await h.call("PATCH", path, { headers: admin(), body: { minChance } })).status).toBe(400);

    // a refused PATCH writes nothing anywhere
    expect((await h.call("PATCH", path, { headers: admin(), body: { maxActive: 0 } })).status).toBe(400);
    expect(await row(eventId)).toMatchObject({ max_active: 7, version: 3 });

    expect((await h.call("POST", `${path}/pause`, { headers: admin() })).body.status).toBe("paused");
    expect(await row(eventId)).toMatchObject({ status: "paused", version: 4 });
    // the same status again changes nothing
    expect((await h.call("POST", `${path}/pause`, { headers: admin() })).status).toBe(200);
    expect(await row(eventId)).toMatchObject({ version: 4 });
    expect((await h.call("POST", `${path}/resume`, { headers: admin() })).body.status).toBe("open");
    expect(await row(eventId)).toMatchObject({ status: "open", version: 5 });
    expect((await h.call("POST", `${path}/close`, { headers: admin(), body: { reason: "closed" } })).body.status).toBe("closed");
    expect(await row(eventId)).toMatchObject({ status: "closed", close_reason: "closed", version: 6 });
    expect(await h.call("POST", `${path}/resume`, { headers: admin() })).toMatchObject({ status: 409, body: { code: "QUEUE_STATUS_CONFLICT" } });
    expect(await row(eventId)).toMatchObject({ status: "closed", version: 6 });
    expect(await h.redis.hget(eventKeys(eventId).queueState, "status")).toBe("closed");
    expect(await version()).toBe(6);
  });

  test("a change that reached MySQL but not Redis is written into Redis by the leader", async () => {
    const eventId = `${h.eventId}-catch`;
    await h.createEvent({ id: eventId });
    expect((await h.call("POST", `/admin/events/${eventId}/queue`, { headers: admin(), body: { rate: 5 } })).status).toBe(201);
    // what a request that failed after its MySQL write leaves behind
    await changeRoom(h.database.db, eventId, Date.now(), () => ({ status: "paused", maxActive: 3 }));
    expect(await h.redis.hget(eventKeys(eventId).queueState, "status")).toBe("open");
    const scheduler = h.app.deps.admission.scheduler;
    for (let i = 0; i < 30 && (await h.redis.hget(eventKeys(eventId).queueState, "status")) !== "paused"; i++) {
      await scheduler.tick();
      await Bun.sleep(50);
    }
    expect(await h.redis.hmget(eventKeys(eventId).queueState, "status", "maxActive", "roomVersion")).toEqual(["paused", "3", "2"]);
    await scheduler.stop();
  });
});

describe("a room being opened", () => {
  test("one whose open has written MySQL and not yet Redis is not taken for a lost line; if its Redis write never comes, the leader builds it after the grace", async () => {
    const eventId = `${h.eventId}-opening`;
    await h.createEvent({ id: eventId });
    // the room's status time is no earlier than this
    const openedAt = Date.now();
    expect((await h.call("POST", `/admin/events/${eventId}/queue`, { headers: admin(), body: { rate: 5 } })).status).toBe(201);
    const k = eventKeys(eventId);
    // the moment between the open's MySQL insert and its Redis write: MySQL has version 1
    // and no checkpoint, Redis nothing
    await h.redis.del(k.queueState);
    await h.redis.srem("cu:queues", eventId);
    const scheduler = h.app.deps.admission.scheduler;
    while (Date.now() - openedAt < OPENING_GRACE_MS - 500) {
      await scheduler.tick();
      await Bun.sleep(50);
    }
    // nothing was restored, no number skipped: the open's own write still finds no status
    expect(await h.redis.hmget(k.queueState, "status", "restoredAt")).toEqual([null, null]);
    expect(await h.redis.get(k.seq)).toBeNull();
    expect(await h.redis.hsetnx(k.queueState, "status", "open")).toBe(1);
    await h.redis.del(k.queueState);

    // the open's Redis write never came: once the grace has passed the leader builds the room
    for (let i = 0; i < 100 && (await h.redis.hget(k.queueState, "restoredAt")) === null; i++) {
      await scheduler.tick();
      await Bun.sleep(50);
    }
    expect(Date.now() - openedAt).toBeGreaterThanOrEqual(OPENING_GRACE_MS);
    expect(await h.redis.hmget(k.queueState, "status", "restoreKind")).toEqual(["open", "full"]);
    await scheduler.stop();
  });
});

describe("a room removed", () => {
  test("an event removed by the test kit while its leader ticks is not restored: nothing of it is left in Redis", async () => {
    const eventId = `${h.eventId}-removed`;
    await h.createEvent({ id: eventId });
    expect((await h.call("POST", `/admin/events/${eventId}/queue`, { headers: admin(), body: { rate: 5 } })).status).toBe(201);
    // a second version: the room is past its opening
    expect((await h.call("POST", `/admin/events/${eventId}/queue/pause`, { headers: admin() })).status).toBe(200);
    const k = eventKeys(eventId);
    const scheduler = h.app.deps.admission.scheduler;
    const leading = async () => (await h.redis.get(k.schedulerLease))?.startsWith(`${scheduler.instanceId}:`) ?? false;
    for (let i = 0; i < 60 && !(await leading()); i++) {
      await scheduler.tick();
      await Bun.sleep(50);
    }
    expect(await leading()).toBe(true);
    // the leader ticks at every step of the removal: before each of its MySQL statements
    const ticking = { query: async (sql: string, values?: unknown[]) => (await scheduler.tick(), h.database.pool.query(sql, values)) };
    await obliterateEvent(h.redis, ticking, eventId);
    for (let i = 0; i < 10; i++) {
      await scheduler.tick();
      await Bun.sleep(20);
    }
    expect(await h.redis.hgetall(k.queueState)).toEqual({});
    expect(await h.redis.sismember("cu:queues", eventId)).toBe(0);
    await scheduler.stop();
  });
});

describe("the restore's pieces", () => {
  test("the reserve covers the peak issue rate for the time since the checkpoint plus a margin, never below the floor", () => {
    const config = parseSchedulerConfig({ RESTORE_RESERVE_FLOOR: "100", RESTORE_RESERVE_MARGIN_SECONDS: "5" }).restore;
    expect(reserveFor(config, 0, null, 10_000)).toBe(100);
    expect(reserveFor(config, 1000, 0, 10_000)).toBe(15_000);
    expect(reserveFor(config, 1000, 20_000, 10_000)).toBe(5000);
    // an hour-old checkpoint counts as RESTORE_RESERVE_MAX_SECONDS (60): Redis issued nothing while it was down
    expect(reserveFor(config, 1000, 0, 3_600_000)).toBe(65_000);
    const rate = new IssueRate();
    for (let t = 0; t <= 10_000; t += 200) rate.add(t, t < 5000 ? t / 10 : 500 + ((t - 5000) * 3) / 2);
    expect(rate.peak()).toBeCloseTo(1500, 0);
    expect(() => parseSchedulerConfig({ RESTORE_GRACE_SECONDS: "0" })).toThrow(/RESTORE_GRACE_SECONDS/);
    expect(() => parseSchedulerConfig({ RESTORE_RESERVE_FLOOR: "-1" })).toThrow(/RESTORE_RESERVE_FLOOR/);
  });

  test("a restore of 100,000 lost numbers runs in one script call and puts every one in lost and gone", async () => {
    const eventId = `${h.eventId}-big`;
    h.createdEvents.push(eventId);
    const k = eventKeys(eventId);
    const lease = await acquireLease(h.redis, k, "test", 10_000);
    const result = await restoreLine(h.redis, k, {
      token: lease.token,
      now: Date.now(),
      kind: "full",
      durableServing: 10,
      durableSeq: 100,
      reserve: 99_910,
      graceMs: 60_000,
      fields: { status: "open" },
      admitted: [],
      claimed: [],
      ended: [],
    });
    expect(result).toEqual({ code: RestoreCode.RESTORED, serving: 10, seq: 100_010, lost: 100_000, dropped: 0 });
    expect(await h.redis.zcard(k.lost)).toBe(100_000);
    expect(await h.redis.zcard(k.gone)).toBe(100_000);
    expect(await h.redis.zrange(k.lost, 0, 0)).toEqual(["11"]);
    // the fencing token: anyone else changes nothing
    expect((await restoreLine(h.redis, k, { ...{ token: "other:1", now: Date.now(), kind: "full", durableServing: 0, durableSeq: 0, reserve: 0, graceMs: 1000, fields: {}, admitted: [], claimed: [], ended: [] } })).code).toBe(
      RestoreCode.NOT_LEADER,
    );
  });
});
