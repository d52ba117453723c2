/**
 * The fan's declared choice in the stream's position events, through the production Worker
 * in workerd (one isolate) with standard EventSource clients: the first frame carries the
 * choice declared before the stream connected, a change (PUT /queue/:eventId/choice) shows
 * in the next frame, and the streams still cost only the isolate's shared read per tick:
 * Redis's own command counts (INFO commandstats) for 100 open streams grow no faster per
 * tick than for 5. On a private redis-server, so the commands counted are this file's alone.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { EventSource } from "eventsource";
import Redis from "ioredis";
import { eventKeys, globalKeys } from "../../common/keys.ts";
import { startBridge, type TestBridge } from "../../test/kit/bridge.ts";
import { uniqueEventId } from "../../test/kit/event-ids.ts";
import { startWorkerdEdge, type WorkerdEdge } from "../../test/kit/workerd-edge.ts";
import { PrivateRedis } from "../../test/kit/private-redis.ts";

setDefaultTimeout(60_000);

const TICK_MS = 200;
let server: PrivateRedis;
let redis: Redis;
let bridge: TestBridge;
let edge: WorkerdEdge;
const sources: EventSource[] = [];
const eventIds: string[] = [];

beforeAll(async () => {
  server = await PrivateRedis.start();
  redis = new Redis(server.url);
  bridge = await startBridge({ redisUrl: server.url });
  edge = await startWorkerdEdge({ upstashUrl: bridge.url, vars: { TICK_MS: String(TICK_MS), HEARTBEAT_SECONDS: "5", PRESENCE_GRACE_SECONDS: "30", JOIN_LIMIT_PER_MINUTE: "100000" } });
});
afterAll(async () => {
  for (const s of sources) s.close();
  await edge?.stop();
  await bridge?.stop();
  redis?.disconnect();
  await server?.kill();
});

async function openEvent(label: string): Promise<string> {
  const eventId = uniqueEventId(label);
  eventIds.push(eventId);
  const k = eventKeys(eventId);
  await redis.hset(k.queueState, { status: "open" });
  await redis.hset(k.config, { perOrderLimit: "6", tiers: JSON.stringify([{ tier: "vip", lowestPriceCents: 12000 }, { tier: "standard", lowestPriceCents: 5000 }]) });
  await redis.sadd(globalKeys.queues, eventId);
  return eventId;
}

async function join(eventId: string, i: number) {
  const res = await fetch(`${edge.url}/queue/${eventId}/join`, { method: "POST", headers: { "cf-connecting-ip": `2001:db8::${(i + 1).toString(16)}` } });
  expect(res.status).toBe(201);
  return (await res.json()) as { ticket: string; ticketNumber: number };
}

async function choose(eventId: string, ticket: string, choice: unknown) {
  const res = await fetch(`${edge.url}/queue/${eventId}/choice`, { method: "PUT", headers: { "x-queue-ticket": ticket, "content-type": "application/json" }, body: JSON.stringify(choice) });
  expect(res.status).toBe(200);
}

interface Watched {
  positions: any[];
  /** the first position event after the `count`th that satisfies `done` */
  until(done: (data: any) => boolean, timeoutMs?: number): Promise<any>;
}

function watch(eventId: string, ticket: string): Watched {
  const withTicket: typeof fetch = ((input: RequestInfo | URL, init: RequestInit = {}) =>
    fetch(input, { ...init, headers: { ...(init.headers as Record<string, string>), "x-queue-ticket": ticket } })) as typeof fetch;
  const source = new EventSource(`${edge.url}/queue/${eventId}/events`, { fetch: withTicket });
  sources.push(source);
  const positions: any[] = [];
  const waiters: Array<() => void> = [];
  source.addEventListener("position", (e) => {
    positions.push(JSON.parse((e as MessageEvent).data));
    for (const w of waiters.splice(0)) w();
  });
  return {
    positions,
    until(done, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no such position event; saw ${JSON.stringify(positions)}`)), timeoutMs);
        const check = () => {
          const found = positions.find(done);
          if (found) {
            clearTimeout(timer);
            resolve(found);
          } else waiters.push(check);
        };
        check();
      });
    },
  };
}

/** Redis's total command calls so far (every command, those run inside scripts included). */
async function commandCalls(): Promise<number> {
  const info = await redis.info("commandstats");
  let total = 0;
  for (const m of info.matchAll(/calls=(\d+)/g)) total += Number(m[1]);
  return total;
}

describe("the declared choice on the stream", () => {
  test("the first frame carries the choice declared before; a change shows in the next frame of that fan's stream only", async () => {
    const eventId = await openEvent("sse-choice");
    const a = await join(eventId, 0);
    const b = await join(eventId, 1);
    await choose(eventId, a.ticket, { quantity: 2, tier: "vip" });
    const sa = watch(eventId, a.ticket);
    const sb = watch(eventId, b.ticket);
    const first = await sa.until(() => true);
    expect(first).toMatchObject({ eventId, ticketNumber: 1, position: 1, choice: { quantity: 2, tier: "vip" }, tiersRunningOut: [] });
    expect((await sb.until(() => true)).choice).toBeNull();

    const changedAt = Date.now();
    await choose(eventId, a.ticket, { quantity: 4, maxPriceCents: 6000 });
    const next = await sa.until((v) => v.choice?.quantity === 4, 3000);
    expect(next.choice).toEqual({ quantity: 4, maxPriceCents: 6000 });
    // within a tick or two of the change
    expect(Date.now() - changedAt).toBeLessThan(TICK_MS * 5);

    // b declares through the same isolate: b's stream shows it, a's is not touched
    await choose(eventId, b.ticket, { quantity: 1 });
    expect((await sb.until((v) => v.choice !== null, 3000)).choice).toEqual({ quantity: 1 });
    expect(sa.positions.at(-1)!.choice).toEqual({ quantity: 4, maxPriceCents: 6000 });

    // the tiers running out are told with the choice, as /status tells them
    await redis.hset(eventKeys(eventId).queueState, "choiceCutoffs", JSON.stringify({ vip: 1 }));
    expect((await sa.until((v) => v.tiersRunningOut.length > 0, 3000)).tiersRunningOut).toEqual(["vip"]);
    const status = await fetch(`${edge.url}/queue/${eventId}/status`, { headers: { "x-queue-ticket": a.ticket } });
    expect(await status.json()).toMatchObject({ choice: { quantity: 4, maxPriceCents: 6000 }, tiersRunningOut: ["vip"] });
  });

  test("a choice changed through another isolate reaches the stream by the shared read", async () => {
    const eventId = await openEvent("sse-choice-elsewhere");
    const a = await join(eventId, 0);
    const sa = watch(eventId, a.ticket);
    expect((await sa.until(() => true)).choice).toBeNull();
    // as another isolate's declareChoice writes it: the choice and its change time
    const k = eventKeys(eventId);
    const tid = JSON.parse(Buffer.from(a.ticket.split(".")[1]!, "base64url").toString()).tid as string;
    await redis.multi().hset(k.choices, tid, "3|standard|").zadd(k.choiceChanges, Date.now(), tid).exec();
    expect((await sa.until((v) => v.choice !== null, 3000)).choice).toEqual({ quantity: 3, tier: "standard" });
  });

  test("Redis commands per tick stay at the shared read: 100 streams with choices cost no more than 5", async () => {
    for (const s of sources.splice(0)) s.close(); // the earlier tests' streams
    await Bun.sleep(500);
    async function measure(streams: number): Promise<number> {
      const eventId = await openEvent(`sse-choice-cost-${streams}`);
      const fans = [];
      for (let i = 0; i < streams; i++) fans.push(await join(eventId, i));
      await Promise.all(fans.map((f, i) => choose(eventId, f.ticket, { quantity: 1 + (i % 4) })));
      const watched = fans.map((f) => watch(eventId, f.ticket));
      await Promise.all(watched.map((w, i) => w.until((v) => v.choice?.quantity === 1 + (i % 4), 20_000)));
      // past the window in which the shared read hands the declared choices out again
      await Bun.sleep(3000);
      const before = await commandCalls();
      await Bun.sleep(TICK_MS * 10);
      const calls = (await commandCalls()) - before;
      for (const w of watched) expect(w.positions.at(-1)!.choice).not.toBeNull();
      for (const s of sources.splice(0)) s.close();
      await Bun.sleep(500);
      return calls;
    }
    const few = await measure(5);
    const many = await measure(100);
    console.log(`Redis commands over 10 ticks: ${few} with 5 streams, ${many} with 100`);
    // ten ticks of one shared read each (a fixed number of commands inside it, plus INFO)
    expect(few).toBeGreaterThan(10);
    expect(many).toBeLessThanOrEqual(few * 1.3 + 10);
  }, 90_000);
  test("a status poll of a fan with a choice is one Upstash request (the touch applies the ticket's limit and answers the choice)", async () => {
    const eventId = await openEvent("poll-cost");
    const a = await join(eventId, 0);
    await choose(eventId, a.ticket, { quantity: 3, tier: "standard" });
    const poll = async () => {
      const res = await fetch(`${edge.url}/queue/${eventId}/status`, { headers: { "x-queue-ticket": a.ticket } });
      expect(res.status).toBe(200);
      return (await res.json()) as { choice: unknown; position: number };
    };
    // the first poll may read the line for the isolate (a shared read, not the poll's own cost)
    await poll();
    const before = bridge.stats.requests;
    const started = Date.now();
    const polls = 20;
    for (let i = 0; i < polls; i++) expect(await poll()).toMatchObject({ position: 1, choice: { quantity: 3, tier: "standard" } });
    // besides the polls' own calls, the isolate reads the line at most once a tick
    const sharedReads = Math.ceil((Date.now() - started) / TICK_MS) + 1;
    expect(bridge.stats.requests - before).toBeGreaterThanOrEqual(polls);
    expect(bridge.stats.requests - before).toBeLessThanOrEqual(polls + sharedReads);
  });
});
