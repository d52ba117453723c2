import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";

setDefaultTimeout(20_000);
import { eventKeys } from "../../common/keys.ts";
import { hubFor, PRESENCE_CHUNK } from "../src/hub.ts";
import { useEdgeWorker } from "./helpers/fixture.ts";
import { admitHead, redis, setStatus } from "./helpers/redis.ts";
import { call, countRequestsTo, SseReader, testEnv } from "./helpers/worker.ts";

const readers: SseReader[] = [];

const edge = useEdgeWorker({ TICK_MS: "200", PRESENCE_GRACE_SECONDS: "1", HEARTBEAT_SECONDS: "1" });
const { freshEvent } = edge;
afterAll(async () => {
  await Promise.all(readers.map((r) => r.close()));
});

async function joinFan(eventId: string, e = edge.env) {
  const jar = new Map<string, string>();
  const res = await call(e, `/queue/${eventId}/join`, { method: "POST", jar });
  expect(res.status).toBe(201);
  return { jar, body: (await res.json()) as any };
}

async function open(eventId: string, jar: Map<string, string>, e = edge.env, headers: HeadersInit = {}) {
  const res = await call(e, `/queue/${eventId}/events`, { jar, headers });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toStartWith("text/event-stream");
  const reader = new SseReader(res);
  readers.push(reader);
  return reader;
}

/** Reads position events until one satisfies `done`; the snapshot may lag a tick behind Redis. */
async function untilPosition(stream: SseReader, done: (view: any) => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ev = await stream.nextEvent("position", Math.max(1, deadline - Date.now()));
    if (done(ev.data)) return ev.data;
  }
}

describe("GET /queue/:eventId/events", () => {
  test("sends the current position at once, with retry and an id, then updates as the line moves", async () => {
    const eventId = await freshEvent("sse");
    const fans = [];
    for (let i = 0; i < 3; i++) fans.push(await joinFan(eventId));
    const third = await open(eventId, fans[2]!.jar);
    const first = await third.nextEvent("position", 2000);
    expect(third.retry).toBe(3000);
    expect(first.id).toMatch(/^\d+$/);
    expect(first.data).toMatchObject({ eventId, ticketNumber: 3, position: 3, ahead: 2, behind: 0, status: "open" });

    expect(await admitHead(eventId, 1)).toBe(1);
    const moved = await untilPosition(third, (v) => v.position === 2 && v.waitTimeKnown, 3000);
    // the line moved by one fan within a tick: the wait estimate is known now
    expect(moved).toMatchObject({ position: 2, ahead: 1, waitTimeKnown: true });
    expect(Date.parse(moved.lastUpdated)).toBeGreaterThan(Number(first.id) - 1);
  });

  test("an admitted fan gets an admitted event with the claim deadline; the stream ends", async () => {
    const eventId = await freshEvent("sse-admit");
    const fan = await joinFan(eventId);
    const stream = await open(eventId, fan.jar);
    await stream.nextEvent("position");
    await admitHead(eventId, 1, { claimWindowMs: 60_000 });
    const admitted = await stream.nextEvent("admitted", 3000);
    expect(admitted.id).toBe("end");
    expect(admitted.data.claimUrl).toBe(`/queue/${eventId}/claim`);
    expect(Date.parse(admitted.data.claimDeadline)).toBeGreaterThan(Date.now() + 50_000);
    expect(await stream.next(2000)).toBeNull();

    // a new connection (a reloaded page) gets the admitted event at once, again marked final
    const again = await open(eventId, fan.jar);
    const told = await again.nextEvent("admitted", 2000);
    expect(told.data.admitted).toBe(true);
    expect(told.id).toBe("end");
    // a client reconnecting after the final event is told to stop, without a Redis call
    const stop = await call(edge.env, `/queue/${eventId}/events`, { jar: fan.jar, headers: { "last-event-id": "end" } });
    expect(stop.status).toBe(204);
    expect(await stop.text()).toBe("");
  });

  test("a waiting fan's stream ends by itself within STREAM_MAX_SUBREQUESTS subrequests, with no final event; the reconnect keeps the place", async () => {
    const bounded = testEnv(edge.bridgeUrl, { TICK_MS: "50", PRESENCE_GRACE_SECONDS: "30", STREAM_MAX_SUBREQUESTS: "6" });
    const eventId = await freshEvent("sse-bound");
    await joinFan(eventId, bounded);
    const fan = await joinFan(eventId, bounded);
    const events: Array<{ event: string; id?: string }> = [];
    const { requests: subrequests } = await countRequestsTo(edge.bridgeUrl, async () => {
      // a lone stream: it makes every shared read of its event itself, one a tick
      const stream = await open(eventId, fan.jar, bounded);
      for (let ev = await stream.next(5000); ev !== null; ev = await stream.next(5000)) if ("event" in ev) events.push(ev);
    }, eventId);
    expect(subrequests).toBeGreaterThanOrEqual(3);
    expect(subrequests).toBeLessThanOrEqual(6);
    expect(events.map((e) => e.event)).toEqual(["position"]);
    // the client reconnects with the last id it saw and is still second in line
    const again = await open(eventId, fan.jar, bounded, { "last-event-id": events[0]!.id! });
    expect((await again.nextEvent("position", 2000)).data).toMatchObject({ ticketNumber: 2, position: 2 });
  });

  test(`presence is refreshed in chunks of at most ${PRESENCE_CHUNK} tickets per read: 2,500 open streams take two reads`, async () => {
    const eventId = await freshEvent("sse-chunks");
    const k = eventKeys(eventId);
    const tids = Array.from({ length: 2500 }, (_, i) => `chunk-${i}`);
    await redis.zadd(k.queue, ...tids.flatMap((t, i) => [i + 1, t]));
    // seen half a second ago: inside this file's 1 s grace, so no read retires them
    const seenAt = Date.now() - 500;
    await redis.zadd(k.seen, ...tids.flatMap((t) => [seenAt, t]));
    const hub = hubFor(eventId);
    for (const t of tids) hub.open(t);
    try {
      const refreshed = async () => (await redis.zrangebyscore(k.seen, `(${seenAt}`, "+inf")).length;
      await hub.ensureFresh(edge.env, null, 0);
      expect(await refreshed()).toBe(PRESENCE_CHUNK);
      await hub.ensureFresh(edge.env, null, 0);
      expect(await refreshed()).toBe(2500);
    } finally {
      for (const t of tids) hub.close(t);
    }
  });

  test("heartbeats keep a quiet stream alive", async () => {
    const eventId = await freshEvent("sse-hb");
    const fan = await joinFan(eventId);
    const stream = await open(eventId, fan.jar);
    await stream.nextEvent("position");
    const next = await stream.next(3000);
    expect(next && "comment" in next && next.comment.startsWith("heartbeat")).toBe(true);
  });

  test("a fan who leaves stops counting ahead of others after the grace period and is never admitted", async () => {
    const eventId = await freshEvent("sse-leave");
    const leaver = await joinFan(eventId);
    const stayer = await joinFan(eventId);
    const leaving = await open(eventId, leaver.jar);
    await leaving.nextEvent("position");
    const staying = await open(eventId, stayer.jar);
    expect((await staying.nextEvent("position")).data.position).toBe(2);
    await leaving.close();
    // grace is 1 s: within a few ticks the stayer moves up without anyone being admitted
    const up = await untilPosition(staying, (v) => v.position === 1, 5000);
    expect(up).toMatchObject({ position: 1, ahead: 0, waiting: 1 });
    expect(await redis.get(eventKeys(eventId).serving)).toBeNull();
    expect(await redis.zcard(eventKeys(eventId).queue)).toBe(1);
    // the scheduler's next admission goes to the fan who stayed
    expect(await admitHead(eventId, 1)).toBe(1);
    expect((await staying.nextEvent("admitted", 3000)).data.admitted).toBe(true);
    // the leaver's stream is gone; their ticket has no place any more
    const back = await call(edge.env, `/queue/${eventId}/status`, { jar: leaver.jar });
    expect(back.status).toBe(410);
    expect(await back.json()).toMatchObject({ code: "LEFT_QUEUE" });
  });

  test("a fan who returns within the grace period keeps the place", async () => {
    const eventId = await freshEvent("sse-return");
    const envLong = { ...edge.env, PRESENCE_GRACE_SECONDS: "5" };
    const fan = await joinFan(eventId, envLong);
    await joinFan(eventId, envLong);
    const s1 = await open(eventId, fan.jar, envLong);
    await s1.nextEvent("position");
    await s1.close();
    await Bun.sleep(1500);
    const s2 = await open(eventId, fan.jar, envLong, { "last-event-id": "1" });
    expect((await s2.nextEvent("position")).data).toMatchObject({ ticketNumber: 1, position: 1 });
  });

  test("a paused or sold-out sale is told on the stream", async () => {
    const eventId = await freshEvent("sse-status");
    const fan = await joinFan(eventId);
    const stream = await open(eventId, fan.jar);
    expect((await stream.nextEvent("position")).data.status).toBe("open");
    await setStatus(eventId, "paused");
    expect(await untilPosition(stream, (v) => v.status === "paused", 3000)).toMatchObject({ waitTimeKnown: false });
    await setStatus(eventId, "soldout");
    expect((await untilPosition(stream, (v) => v.status !== "paused", 3000)).status).toBe("soldout");
    expect((await stream.nextEvent("closed", 3000)).data).toMatchObject({ eventId, status: "soldout", code: "SOLD_OUT" });
    expect(await stream.next(3000)).toBeNull(); // nobody will be admitted any more: the stream ends

    // a fan who reconnects to a closed sale is told at once too
    const again = await open(eventId, fan.jar);
    expect((await again.nextEvent("closed", 3000)).data.status).toBe("soldout");
  });

  test("the pre-queue view carries the opening time, so the page can count down", async () => {
    const opensAt = Date.now() + 90_000;
    const eventId = await freshEvent("sse-opens", { opensAt });
    await setStatus(eventId, "prequeue");
    const fan = await joinFan(eventId);
    const stream = await open(eventId, fan.jar);
    expect((await stream.nextEvent("position")).data).toMatchObject({ status: "prequeue", opensAt: new Date(opensAt).toISOString() });
    await stream.close();
  });

  test("a stream opened in a pre-queue ends when the sale opens; the reconnect carries the drawn number", async () => {
    const eventId = await freshEvent("sse-prequeue");
    await setStatus(eventId, "prequeue");
    const patient = { ...edge.env, PRESENCE_GRACE_SECONDS: "30" };
    const a = await joinFan(eventId, patient);
    const b = await joinFan(eventId, patient);
    const stream = await open(eventId, a.jar, patient);
    expect((await stream.nextEvent("position")).data).toMatchObject({ status: "prequeue", ticketNumber: 1 });
    // the opening's draw: a and b swap numbers
    const k = eventKeys(eventId);
    const [ta, tb] = [a.body.ticket, b.body.ticket].map((t: string) => JSON.parse(Buffer.from(t.split(".")[1]!, "base64url").toString()).tid);
    await redis.multi().zadd(k.queue, 2, ta).zadd(k.queue, 1, tb).hset(k.queueState, "status", "open").exec();
    expect(await stream.next(8000).then(async function skip(ev): Promise<unknown> {
      return ev === null ? null : skip(await stream.next(8000));
    })).toBeNull();
    const again = await open(eventId, a.jar, patient);
    expect((await again.nextEvent("position")).data).toMatchObject({ status: "open", ticketNumber: 2, position: 2 });
  }, 20_000);

  test("without a valid ticket the stream is refused", async () => {
    const eventId = await freshEvent("sse-none");
    const res = await call(edge.env, `/queue/${eventId}/events`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: "NO_TICKET" });
  });

  test("fan-out: Redis requests per tick stay the same with 10 or 300 open streams in one isolate", async () => {
    const eventId = await freshEvent("sse-fanout");
    const slowEnv = testEnv(edge.bridgeUrl, { TICK_MS: "250", PRESENCE_GRACE_SECONDS: "30", HEARTBEAT_SECONDS: "5" });

    // count HTTP requests from the Worker to the Redis REST endpoint
    const realFetch = globalThis.fetch;
    let redisRequests = 0;
    globalThis.fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
      const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
      if (url.startsWith(edge.bridgeUrl)) redisRequests++;
      return realFetch(input, init);
    }) as typeof fetch;

    async function measure(streams: number): Promise<number> {
      const fans = await Promise.all(Array.from({ length: streams }, () => joinFan(eventId, slowEnv)));
      const opened = await Promise.all(fans.map((f) => open(eventId, f.jar, slowEnv)));
      await Promise.all(opened.map((s) => s.nextEvent("position")));
      // drain what the streams write so they never stall on back-pressure
      let reading = true;
      const drains = opened.map(async (s) => {
        while (reading) await s.next(60_000).catch(() => null);
      });
      const before = redisRequests;
      const readsBefore = hubFor(eventId).reads;
      await Bun.sleep(2000);
      const count = redisRequests - before;
      const reads = hubFor(eventId).reads - readsBefore;
      reading = false;
      await Promise.all(opened.map((s) => s.close()));
      await Promise.race([Promise.all(drains), Bun.sleep(500)]);
      // 2 s at one read per 250 ms tick
      expect(reads).toBeGreaterThanOrEqual(5);
      expect(reads).toBeLessThanOrEqual(10);
      return count;
    }

    try {
      const few = await measure(10);
      await Bun.sleep(600); // streams of the first round notice they were closed
      const many = await measure(300);
      expect(few).toBeGreaterThanOrEqual(5);
      expect(many).toBeLessThanOrEqual(few + 3);
    } finally {
      globalThis.fetch = realFetch;
    }
  }, 30_000);
});
