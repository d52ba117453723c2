import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eventKeys } from "../../common/keys.ts";
import { DashboardSampler, SAMPLES_KEPT } from "../src/modules/dashboard/sampler.ts";
import { errorShape, Harness } from "./support/harness.ts";
import { joinFans, ManualClock, newScheduler, testSchedulerConfig } from "./admission/support.ts";

let h: Harness;
const admin = () => ({ authorization: `Bearer ${h.config.adminKey}` });
const dashboardPath = (eventId = h.eventId, query = "") => `/admin/events/${eventId}/dashboard${query}`;

beforeAll(async () => {
  h = await Harness.create("dash");
});
afterAll(async () => {
  await h.redis.srem("cu:queues", ...h.createdEvents);
  await h.close();
});

/** Opens the event's waiting room through the API and keeps any origin running beside the tests from scheduling it. */
async function openRoom(eventId: string, body: Record<string, unknown>) {
  expect((await h.call("POST", `/admin/events/${eventId}/queue`, { headers: admin(), body })).status).toBe(201);
  await h.redis.srem("cu:queues", eventId);
}

function samplerWith(clock: ManualClock) {
  const deps = h.app.deps;
  return new DashboardSampler({
    redis: h.redis,
    clock,
    seatKeys: async (id) => (await deps.catalog.find(id))?.seatKeys ?? null,
    latencyWindowMs: 5000,
    onError: (_e, error) => {
      throw error;
    },
  });
}

describe("organiser dashboard data", () => {
  test("needs the admin key; an event without a waiting room is 404", async () => {
    expect(await h.call("GET", dashboardPath())).toMatchObject({ status: 401, body: errorShape });
    expect(await h.call("GET", dashboardPath(), { headers: { authorization: "Bearer wrong" } })).toMatchObject({ status: 401, body: { code: "ADMIN_KEY_INVALID" } });
    expect(await h.call("GET", dashboardPath(), { headers: admin() })).toMatchObject({ status: 404, body: { code: "QUEUE_NOT_FOUND" } });
    expect(await h.call("GET", dashboardPath(h.eventId, "?since=soon"), { headers: admin() })).toMatchObject({ status: 400, body: errorShape });
  });

  test("the leader's ticks leave one sample a second: line, admissions vs rate, sessions vs maxActive, holds, sales, purchase latency", async () => {
    const eventId = `${h.eventId}-s`;
    await h.createEvent({ id: eventId });
    await openRoom(eventId, { rate: 5, maxActive: 40, adaptive: false });
    const clock = new ManualClock();
    await joinFans(h.redis, eventId, 60, clock.now());
    const sampler = samplerWith(clock);
    const scheduler = newScheduler(h.redis, clock, [eventId], testSchedulerConfig({ presenceGraceMs: 3_600_000 }), {
      instanceId: "dash",
      observer: { tick: (e, r, rate, ceiling) => sampler.tick(e, r, rate, ceiling.rate) },
    });

    // a fan holds two seats and buys one hold of one seat
    const [buyer] = await h.sessions(1, 600, eventId);
    const held = await h.hold(buyer!.token, ["A-1-1", "A-1-2"], eventId);
    expect(held.status).toBe(201);
    const [other] = await h.sessions(1, 600, eventId);
    const bought = await h.hold(other!.token, ["A-2-1"], eventId);
    expect((await h.purchase(other!.token, bought.body.holdId, undefined, eventId)).status).toBe(201);
    // the purchase's latency is recorded after its response is sent; the recorder flushes it to Redis
    const latencyKey = eventKeys(eventId).purchaseLatency;
    for (const until = Date.now() + 20_000; (await h.redis.llen(latencyKey)) === 0 && Date.now() < until; ) {
      await Bun.sleep(10);
      await h.app.deps.admission.latency.flush();
    }

    // 6 seconds at five ticks a second
    for (let i = 0; i < 30; i++) {
      await scheduler.tickEvent(eventId);
      clock.advance(200);
    }
    await sampler.settled();
    await scheduler.stop();

    const reply = await h.call("GET", dashboardPath(eventId), { headers: admin() });
    expect(reply.status).toBe(200);
    const { samples, queue } = reply.body;
    expect(queue).toMatchObject({ eventId, status: "open", settings: { maxActive: 40, rate: 5 } });
    expect(samples.length).toBe(6);
    for (let i = 1; i < samples.length; i++) expect(samples[i].t - samples[i - 1].t).toBe(1000);
    const last = samples.at(-1);
    expect(last).toMatchObject({ status: "open", targetRate: 5, ceilingRate: 5, maxActive: 40, heldSeats: 2, soldSeats: 1, activeSessions: 1 });
    // the line shrinks by the rate: 5 fans a second (the first tick admits the first second's budget)
    expect(samples[0].admittedPerSec).toBeNull();
    for (const s of samples.slice(1)) expect(s.admittedPerSec).toBe(5);
    expect(last.waiting).toBe(60 - last.admittedTotal);
    expect(last.unclaimed).toBe(last.admittedTotal);
    expect(last.purchasesPerSec).toBeGreaterThan(0);
    expect(last.purchaseP95Ms).toBeGreaterThan(0);

    // a page polling every second asks only for what is new
    const since = samples[3].t;
    const newer = (await h.call("GET", dashboardPath(eventId, `?since=${since}`), { headers: admin() })).body.samples;
    expect(newer.map((s: { t: number }) => s.t)).toEqual(samples.slice(4).map((s: { t: number }) => s.t));
    expect(newer[0].admittedPerSec).toBe(5);
  });

  test("pausing shows in the samples: admissions stop while the line waits", async () => {
    const eventId = `${h.eventId}-p`;
    await h.createEvent({ id: eventId });
    await openRoom(eventId, { rate: 10, adaptive: false });
    const clock = new ManualClock();
    await joinFans(h.redis, eventId, 50, clock.now());
    const sampler = samplerWith(clock);
    const scheduler = newScheduler(h.redis, clock, [eventId], testSchedulerConfig({ presenceGraceMs: 3_600_000 }), {
      instanceId: "dashp",
      observer: { tick: (e, r, rate, ceiling) => sampler.tick(e, r, rate, ceiling.rate) },
    });
    const run = async (ticks: number) => {
      for (let i = 0; i < ticks; i++) {
        await scheduler.tickEvent(eventId);
        clock.advance(200);
      }
    };
    await run(10);
    expect((await h.call("POST", `/admin/events/${eventId}/queue/pause`, { headers: admin() })).body.status).toBe("paused");
    await run(15);
    await sampler.settled();
    await scheduler.stop();
    const samples = (await h.call("GET", dashboardPath(eventId), { headers: admin() })).body.samples as Array<{ status: string; admittedPerSec: number | null; waiting: number }>;
    const paused = samples.filter((s) => s.status === "paused");
    expect(paused.length).toBeGreaterThanOrEqual(2);
    for (const s of paused.slice(1)) expect(s.admittedPerSec).toBe(0);
    expect(new Set(paused.map((s) => s.waiting)).size).toBe(1);
    expect(paused[0]!.waiting).toBeGreaterThan(0);
  });

  test("samples are capped at ten minutes' worth, newest kept", async () => {
    const eventId = `${h.eventId}-c`;
    await h.createEvent({ id: eventId });
    await openRoom(eventId, { rate: 1 });
    const clock = new ManualClock();
    const sampler = samplerWith(clock);
    const start = clock.now();
    for (let i = 0; i < SAMPLES_KEPT + 25; i++) {
      await sampler.record(eventId, start + i * 1000, { waiting: i, active: 0, unclaimed: 0, target: 1, ceiling: 1 });
    }
    expect(await h.redis.llen(eventKeys(eventId).dashboard)).toBe(SAMPLES_KEPT);
    expect(await h.redis.pttl(eventKeys(eventId).dashboard)).toBeGreaterThan(0);
    const { samples } = (await h.call("GET", dashboardPath(eventId), { headers: admin() })).body;
    expect(samples.length).toBe(SAMPLES_KEPT);
    expect(samples[0].waiting).toBe(25);
    expect(samples.at(-1).waiting).toBe(SAMPLES_KEPT + 24);
  });

  test("a waiting room without an event row (no seat layout) samples everything but held seats", async () => {
    const eventId = `${h.eventId}-n`;
    h.createdEvents.push(eventId); // its keys are dropped at the end
    await h.redis.hset(eventKeys(eventId).queueState, { status: "open", maxActive: 9 });
    const clock = new ManualClock();
    await samplerWith(clock).record(eventId, clock.now(), { waiting: 3, active: 1, unclaimed: 2, target: 4, ceiling: 4 });
    const { samples } = (await h.call("GET", dashboardPath(eventId), { headers: admin() })).body;
    expect(samples).toEqual([expect.objectContaining({ heldSeats: null, soldSeats: 0, waiting: 3, maxActive: 9, purchaseP95Ms: null })]);
  });

  test("the origin's own scheduler takes the samples (runtime wiring)", async () => {
    const eventId = `${h.eventId}-r`;
    await h.createEvent({ id: eventId });
    await openRoom(eventId, { rate: 3 });
    const { admission, dashboardSampler } = h.app.deps;
    expect(await admission.scheduler.tickEvent(eventId)).not.toBeNull();
    await dashboardSampler.settled();
    await admission.scheduler.stop();
    const { samples } = (await h.call("GET", dashboardPath(eventId), { headers: admin() })).body;
    expect(samples).toHaveLength(1);
    expect(samples[0]).toMatchObject({ status: "open", ceilingRate: 3, heldSeats: 0, soldSeats: 0 });
  });
});
