/**
 * The admin controls as waiting fans see them: the real edge Worker (its fetch, called
 * directly) streams positions from the same Redis the origin's admin routes change.
 * The edge's modules are loaded by path so this side's typecheck stays free of Worker types.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startBridge } from "../../../test/kit/bridge.ts";
import { Harness } from "../support/harness.ts";

const edgeHelpers = "../../../edge/test/helpers/";
let h: Harness;
let bridge: { url: string; stop(): Promise<void> };
let edge: any;
let env: any;
const readers: Array<{ close(): Promise<void> }> = [];
const admin = () => ({ authorization: `Bearer ${h.config.adminKey}` });

beforeAll(async () => {
  h = await Harness.create("admsse");
  edge = await import(`${edgeHelpers}worker.ts`);
  bridge = await startBridge();
  env = edge.testEnv(bridge.url, { TICK_MS: "200", HEARTBEAT_SECONDS: "1" });
});
afterAll(async () => {
  await Promise.all(readers.map((r) => r.close()));
  await bridge?.stop();
  await h.redis.srem("cu:queues", ...h.createdEvents);
  await h.close();
});

async function fanWithStream(eventId: string) {
  const jar = new Map<string, string>();
  const joined = await edge.call(env, `/queue/${eventId}/join`, { method: "POST", jar });
  expect(joined.status).toBe(201);
  const res = await edge.call(env, `/queue/${eventId}/events`, { jar });
  expect(res.status).toBe(200);
  const stream = new edge.SseReader(res);
  readers.push(stream);
  return stream;
}

async function until(stream: any, done: (view: any) => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ev = await stream.nextEvent("position", Math.max(1, deadline - Date.now()));
    if (done(ev.data)) return ev.data;
  }
}

describe("waiting fans are told", () => {
  test("pausing shows on every open stream on a later tick; closing as sold out too, and new fans are turned away", async () => {
    const eventId = h.eventId;
    expect((await h.call("POST", `/admin/events/${eventId}/queue`, { headers: admin(), body: { rate: 0.01 } })).status).toBe(201);
    // no scheduler runs here (and the rate would admit nobody for minutes): the fans keep waiting
    await h.redis.srem("cu:queues", eventId);
    await h.call("POST", `/admin/events/${eventId}/queue/pause`, { headers: admin() });
    await h.call("POST", `/admin/events/${eventId}/queue/resume`, { headers: admin() });
    const streams = [];
    for (let i = 0; i < 5; i++) streams.push(await fanWithStream(eventId));
    for (const s of streams) expect((await s.nextEvent("position", 15_000)).data.status).toBe("open");

    // each stream tells its fan on a later tick; how soon is a matter of ticks, which a loaded
    // machine stretches, so the test waits for the event itself (with room) rather than timing it
    expect((await h.call("POST", `/admin/events/${eventId}/queue/pause`, { headers: admin() })).body.status).toBe("paused");
    for (const s of streams) expect(await until(s, (v) => v.status === "paused", 15_000)).toMatchObject({ status: "paused", waitTimeKnown: false });

    expect((await h.call("POST", `/admin/events/${eventId}/queue/close`, { headers: admin(), body: { reason: "soldout" } })).body.status).toBe("soldout");
    for (const s of streams) expect((await until(s, (v) => v.status === "soldout", 15_000)).status).toBe("soldout");

    const late = await edge.call(env, `/queue/${eventId}/join`, { method: "POST", jar: new Map() });
    expect(late.status).toBe(410);
    expect(await late.json()).toMatchObject({ code: "SALE_ENDED" });
  }, 60_000);
});
