import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eventKeys } from "../../../common/keys.ts";
import { errorShape, Harness } from "../support/harness.ts";
import { joinFans, ManualClock, newScheduler, testSchedulerConfig } from "./support.ts";

let h: Harness;
const admin = () => ({ authorization: `Bearer ${h.config.adminKey}` });
const queuePath = (eventId = h.eventId) => `/admin/events/${eventId}/queue`;

beforeAll(async () => {
  h = await Harness.create("admq");
});
afterAll(async () => {
  await h.redis.srem("cu:queues", ...h.createdEvents);
  await h.close();
});

describe("admin queue controls", () => {
  test("open, read, change settings, pause, resume, close; refusals are clear", async () => {
    expect((await h.call("GET", queuePath(), { headers: admin() })).status).toBe(404);
    expect(await h.call("POST", queuePath(), { body: {} })).toMatchObject({ status: 401, body: errorShape });

    const opened = await h.call("POST", queuePath(), { headers: admin(), body: { rate: 25, claimSeconds: 30, adaptive: false } });
    expect(opened.status).toBe(201);
    expect(opened.body).toMatchObject({
      eventId: h.eventId,
      status: "open",
      settings: { rate: 25, claimSeconds: 30, adaptive: false, maxActive: 1000 },
      rates: { ceiling: 25, ceilingSource: "manual" },
      waiting: 0,
    });
    expect(await h.call("POST", queuePath(), { headers: admin(), body: {} })).toMatchObject({ status: 409, body: { code: "QUEUE_EXISTS" } });
    expect(await h.call("POST", queuePath("no-such-event"), { headers: admin(), body: {} })).toMatchObject({ status: 404, body: { code: "EVENT_NOT_FOUND" } });

    // bad input: 400 with { code, message }, nothing changed
    for (const body of [{ rate: -1 }, { maxActive: 0 }, { claimSeconds: "soon" }, {}, { nonsense: 1 }]) {
      expect(await h.call("PATCH", queuePath(), { headers: admin(), body })).toMatchObject({ status: 400, body: errorShape });
    }
    const changed = await h.call("PATCH", queuePath(), { headers: admin(), body: { rate: null, maxActive: 7, sessionSeconds: 120 } });
    expect(changed.status).toBe(200);
    expect(changed.body.settings).toMatchObject({ rate: null, maxActive: 7, sessionSeconds: 120, claimSeconds: 30 });
    expect(["capacity", "default"]).toContain(changed.body.rates.ceilingSource);
    expect(changed.body.settings).toMatchObject({ challenge: "off", challengeFailure: "refuse" });
    // how long a waiting fan may be away: 5 minutes unless the organiser sets the event's own
    expect(changed.body.settings.presenceGraceSeconds).toBe(300);
    for (const body of [{ presenceGraceSeconds: 5 }, { presenceGraceSeconds: 86_401 }, { presenceGraceSeconds: 60.5 }]) {
      expect(await h.call("PATCH", queuePath(), { headers: admin(), body })).toMatchObject({ status: 400, body: errorShape });
    }
    const grace = await h.call("PATCH", queuePath(), { headers: admin(), body: { presenceGraceSeconds: 900 } });
    expect(grace.body.settings).toMatchObject({ presenceGraceSeconds: 900, maxActive: 7 });
    expect(await h.redis.hget(eventKeys(h.eventId).queueState, "presenceGraceSeconds")).toBe("900");
  });

  test("the organiser sets the challenge before a new place and what a failed one gets: MySQL, then the queue state the edge reads", async () => {
    const eventId = `${h.eventId}-ch`;
    await h.createEvent({ id: eventId });
    const opened = await h.call("POST", queuePath(eventId), { headers: admin(), body: { challenge: "pow" } });
    expect(opened.body.settings).toMatchObject({ challenge: "pow", challengeFailure: "refuse" });
    for (const body of [{ challenge: "captcha" }, { challengeFailure: "drop" }, { challenge: 1 }]) {
      expect(await h.call("PATCH", queuePath(eventId), { headers: admin(), body })).toMatchObject({ status: 400, body: errorShape });
    }
    const changed = await h.call("PATCH", queuePath(eventId), { headers: admin(), body: { challengeFailure: "infinite" } });
    expect(changed.body.settings).toMatchObject({ challenge: "pow", challengeFailure: "infinite" });
    expect(await h.redis.hmget(eventKeys(eventId).queueState, "challenge", "challengeFailure")).toEqual(["pow", "infinite"]);
    const [rows] = (await h.database.pool.query("SELECT challenge, challenge_failure AS failure FROM waiting_rooms WHERE event_id = ?", [eventId])) as unknown as [Array<{ challenge: string; failure: string }>];
    expect({ ...rows[0] }).toEqual({ challenge: "pow", failure: "infinite" });
    expect((await h.call("PATCH", queuePath(eventId), { headers: admin(), body: { challenge: "off" } })).body.settings.challenge).toBe("off");
    expect(await h.redis.hget(eventKeys(eventId).queueState, "challenge")).toBe("off");

    expect((await h.call("POST", `${queuePath()}/pause`, { headers: admin() })).body.status).toBe("paused");
    expect(await h.call("POST", `${queuePath()}/pause`, { headers: admin() })).toMatchObject({ status: 200, body: { status: "paused" } });
    expect((await h.call("POST", `${queuePath()}/resume`, { headers: admin() })).body.status).toBe("open");
    expect((await h.call("POST", `${queuePath()}/close`, { headers: admin(), body: {} })).body.status).toBe("soldout");
    expect(await h.call("POST", `${queuePath()}/resume`, { headers: admin() })).toMatchObject({ status: 409, body: { code: "QUEUE_STATUS_CONFLICT" } });
    expect(await h.call("POST", `${queuePath()}/close`, { headers: admin(), body: { reason: "later" } })).toMatchObject({ status: 400, body: errorShape });
    // the edge refuses new fans once sold out
    expect(await h.redis.hget(eventKeys(h.eventId).queueState, "status")).toBe("soldout");
  });

  test("a queue opened for later is a pre-queue; live state shows the line and the scheduler's work", async () => {
    const eventId = `${h.eventId}-b`;
    await h.createEvent({ id: eventId });
    const clock = new ManualClock();
    const opensAt = new Date(clock.now() + 60_000).toISOString();
    const opened = await h.call("POST", queuePath(eventId), { headers: admin(), body: { opensAt, rate: 10 } });
    expect(opened.body).toMatchObject({ status: "prequeue", opensAt });
    expect(await h.redis.sismember("cu:queues", eventId)).toBe(1);
    // this test's own scheduler drives the event (not an origin that may run beside the tests)
    await h.redis.srem("cu:queues", eventId);
    await joinFans(h.redis, eventId, 30, clock.now());
    const scheduler = newScheduler(h.redis, clock, [eventId], testSchedulerConfig({ presenceGraceMs: 3_600_000 }), { instanceId: "api" });
    await scheduler.tickEvent(eventId);
    clock.advance(60_000);
    await scheduler.tickEvent(eventId);
    for (let i = 0; i < 10; i++) {
      clock.advance(200);
      await scheduler.tickEvent(eventId);
    }
    const state = (await h.call("GET", queuePath(eventId), { headers: admin() })).body;
    expect(state).toMatchObject({ status: "open", waiting: 10, admittedUnclaimed: 20, serving: 20, lastNumber: 30, totals: { admitted: 20, abandoned: 0 } });
    expect(state.leader).toStartWith("api:");
    expect(state.rates.measured).toBeGreaterThan(0);
    await scheduler.stop();
  });
});

describe("leaving", () => {
  test("a fan who leaves frees their seats and their slot at once; the session is over", async () => {
    const eventId = `${h.eventId}-c`;
    await h.createEvent({ id: eventId });
    const [fan, other] = await h.sessions(2, 600, eventId);
    const held = await h.hold(fan!.token, ["A-1-1", "A-1-2"], eventId);
    expect(held.status).toBe(201);
    const k = eventKeys(eventId);
    expect(await h.redis.zscore(k.active, fan!.sid)).not.toBeNull();

    const left = await h.call("DELETE", `/api/events/${eventId}/session`, { token: fan!.token });
    expect(left).toMatchObject({ status: 200, body: { eventId, left: true, releasedHolds: 1 } });
    expect(await h.redis.zscore(k.active, fan!.sid)).toBeNull();
    expect((await h.hold(other!.token, ["A-1-1", "A-1-2"], eventId)).status).toBe(201);
    expect(await h.hold(fan!.token, ["A-2-1"], eventId)).toMatchObject({ status: 403, body: { code: "SESSION_INACTIVE" } });
    expect(await h.call("DELETE", `/api/events/${eventId}/session`)).toMatchObject({ status: 401, body: errorShape });
    expect(await h.call("DELETE", `/api/events/${h.eventId}/session`, { token: other!.token })).toMatchObject({ status: 403, body: { code: "TOKEN_WRONG_EVENT" } });
  });

  test("a session that left or bought is refused by leave and by its list of holds (403 SESSION_INACTIVE), like every fan route", async () => {
    const eventId = `${h.eventId}-ended`;
    await h.createEvent({ id: eventId });
    const [leaver, buyer] = await h.sessions(2, 600, eventId);
    expect((await h.call("DELETE", `/api/events/${eventId}/session`, { token: leaver!.token })).status).toBe(200);
    const held = await h.hold(buyer!.token, ["A-1-1"], eventId);
    expect((await h.purchase(buyer!.token, held.body.holdId, undefined, eventId)).status).toBe(201);
    for (const fan of [leaver!, buyer!]) {
      expect(await h.call("DELETE", `/api/events/${eventId}/session`, { token: fan.token })).toMatchObject({ status: 403, body: { code: "SESSION_INACTIVE", message: expect.any(String) } });
      expect(await h.call("GET", `/api/events/${eventId}/holds`, { token: fan.token })).toMatchObject({ status: 403, body: { code: "SESSION_INACTIVE", message: expect.any(String) } });
    }
    // a session that ran out in Redis is ended too
    const [lapsed] = await h.sessions(1, 600, eventId);
    await h.redis.zadd(eventKeys(eventId).active, Date.now() - 1, lapsed!.sid);
    expect((await h.call("GET", `/api/events/${eventId}/holds`, { token: lapsed!.token })).status).toBe(403);
    expect((await h.call("DELETE", `/api/events/${eventId}/session`, { token: lapsed!.token })).status).toBe(403);
  });
});

describe("GET /metrics", () => {
  test("Prometheus text with queue, session, request and latency series", async () => {
    const eventId = `${h.eventId}-d`;
    await h.createEvent({ id: eventId });
    await h.call("POST", queuePath(eventId), { headers: admin(), body: { rate: 5 } });
    await joinFans(h.redis, eventId, 12, Date.now());
    const [fan] = await h.sessions(1, 600, eventId);
    const hold = await h.hold(fan!.token, ["A-1-3"], eventId);
    expect((await h.purchase(fan!.token, hold.body.holdId, crypto.randomUUID(), eventId)).status).toBe(201);

    // request timings are recorded after each response has gone out: scrape until the purchase's is in
    const purchaseSeries = /cu_http_request_duration_seconds_count\{method="POST",route="\/api\/events\/:eventId\/holds\/:holdId\/purchase",status="201"\} [1-9]/;
    let text = "";
    for (const until = Date.now() + 20_000; !purchaseSeries.test(text) && Date.now() < until; await Bun.sleep(20)) {
      const r = await h.app.handle(new Request("http://origin.test/metrics"));
      expect(r.status).toBe(200);
      expect(r.headers.get("content-type")).toStartWith("text/plain");
      text = await r.text();
    }
    expect(text).toContain(`cu_queue_waiting{event="${eventId}"} 12`);
    expect(text).toContain(`cu_queue_open{event="${eventId}"} 1`);
    expect(text).toMatch(purchaseSeries);
    expect(text).toMatch(/cu_http_request_duration_seconds_count\{method="POST",route="\/api\/events\/:eventId\/holds",status="201"\} [1-9]/);
    expect(text).toMatch(/cu_redis_ping_seconds \d/);
    expect(text).toMatch(/cu_db_ping_seconds \d/);
    expect(text).toMatch(/cu_purchase_db_seconds_count [1-9]/);
    // the purchase's request latency reached the shared samples the dashboard reads, and its
    // database transaction time the samples the adaptive rate steers by
    await h.app.deps.admission.latency.flush();
    await h.app.deps.admission.dbLatency.flush();
    expect(await h.redis.llen(eventKeys(eventId).purchaseLatency)).toBe(1);
    expect(await h.redis.llen(eventKeys(eventId).purchaseDbLatency)).toBe(1);
  });
});
