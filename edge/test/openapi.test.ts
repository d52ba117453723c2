/**
 * The edge's OpenAPI document (GET /openapi.json): Spectral's spectral:oas rules find no
 * error or warning in it, and every operation it documents is driven through the Worker,
 * in front of a real origin on real Redis and MariaDB, on its happy path and its
 * documented errors; every response (status, content type, headers, JSON body, and the
 * data of every SSE event) is validated against the document, and every answer the
 * origin gave through the proxies against the origin's document as well.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";

setDefaultTimeout(60_000);
import type { Env } from "../src/env.ts";
import { Harness } from "../../origin/test/support/harness.ts";
import { checked, Contract } from "../../test/helpers/contract.ts";
import { spectralProblems } from "../../test/helpers/spectral.ts";
import { startBridge } from "../../test/kit/bridge.ts";
import Redis from "ioredis";
import { eventKeys, globalKeys } from "../../common/keys.ts";
import { PrivateRedis } from "../../test/kit/private-redis.ts";
import { admitHead, dropEvent, openQueue, redis, register } from "./helpers/redis.ts";
import { uniqueEventId } from "../../test/kit/event-ids.ts";
import { call, SseReader, testEnv } from "./helpers/worker.ts";
import { resumeCode } from "../src/resume.ts";
import { turnLinkCode } from "../src/turn-link.ts";
import { softPasskey } from "../../test/kit/soft-passkey.ts";

let h: Harness;
let origin: ReturnType<typeof Bun.serve>;
let bridge: Awaited<ReturnType<typeof startBridge>>;
let env: Env;
let contract: Contract;
/** the origin's own document: what the edge forwards must also be what the origin documents */
let originContract: Contract;
const problems: string[] = [];
const edgeOnlyEvents: string[] = [];

beforeAll(async () => {
  h = await Harness.create("edge-contract", { event: { holdSeconds: 60, perOrderLimit: 4 } });
  origin = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (request) => h.app.handle(request) });
  bridge = await startBridge();
  env = testEnv(bridge.url, { ORIGIN_URL: `http://127.0.0.1:${origin.port}`, TICK_MS: "200", HEARTBEAT_SECONDS: "1" });
  const res = await call(env, "/openapi.json");
  expect(res.status).toBe(200);
  contract = await Contract.load((await res.json()) as Record<string, unknown>);
  originContract = await Contract.load((await h.call("GET", "/swagger/json")).body);
});
afterAll(async () => {
  await Promise.all(edgeOnlyEvents.map(dropEvent));
  await bridge?.stop();
  origin?.stop(true);
  await h?.close();
});

type Init = RequestInit & { jar?: Map<string, string>; ip?: string; env?: Env; operation?: string };

/** One request through the Worker, its response checked against the document. */
async function edge(path: string, init: Init = {}) {
  const method = init.method ?? "GET";
  const res = await call(init.env ?? env, path, init);
  const reply = await checked(res);
  problems.push(...contract.problems(method, path, reply, init.operation));
  // an answer the origin gave (the edge adds X-Request-Id to those only) passes the origin's document too
  // (the signed report's refusals are the origin's answers to /report)
  const originPath = path.replace(/\/report\.jws$/, "/report");
  if (reply.headers.has("x-request-id")) problems.push(...originContract.problems(method, originPath, reply).map((p) => `origin document: ${p}`));
  let body: any = reply.text;
  try {
    body = JSON.parse(reply.text);
  } catch {
    // text
  }
  return { status: reply.status, body, headers: reply.headers };
}

/** An SSE stream through the Worker: the response checked without its body, then each event's data against its schema. */
async function stream(path: string, init: Init = {}) {
  const res = await call(init.env ?? env, path, init);
  const text = res.status === 200 ? "" : await res.text();
  problems.push(...contract.problems("GET", path, { status: res.status, headers: res.headers, text }));
  return { status: res.status, reader: res.status === 200 ? new SseReader(res) : null };
}

const SSE_SCHEMAS: Record<string, string> = { position: "FanView", admitted: "AdmittedEvent", expired: "ExpiredEvent", closed: "ClosedEvent", restoring: "RestoringEvent", moved: "MovedEvent" };
async function nextEvent(reader: SseReader, name: string) {
  const ev = await reader.nextEvent(name, 20_000);
  problems.push(...contract.schemaProblems(SSE_SCHEMAS[name]!, ev.data).map((p) => `SSE ${name}: ${p}`));
  return ev.data;
}

/** A queue that lives only in Redis (no origin event needed), dropped after the file. */
async function edgeOnlyQueue(label: string, fields: Record<string, string | number> = {}) {
  const eventId = uniqueEventId(label);
  edgeOnlyEvents.push(eventId);
  await openQueue(eventId, fields);
  return eventId;
}

async function joined(eventId: string, ip = "203.0.113.10") {
  const jar = new Map<string, string>();
  const res = await edge(`/queue/${eventId}/join`, { method: "POST", jar, ip });
  expect(res.status).toBe(201);
  return { jar, ticket: res.body.ticket as string };
}

describe("the edge's OpenAPI document", () => {
  test("Spectral's spectral:oas rules find no error and no warning in /openapi.json", async () => {
    const res = await call(env, "/openapi.json");
    expect(await spectralProblems(await res.json())).toEqual([]);
  });

  test("every operation answers as the document says, on its happy path and its documented errors", async () => {
    const admin = { authorization: `Bearer ${h.config.adminKey}` };
    const dead = testEnv(bridge.url, { UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9", ORIGIN_URL: "http://127.0.0.1:9" });
    const tight = testEnv(bridge.url, { ORIGIN_URL: `http://127.0.0.1:${origin.port}`, JOIN_LIMIT_PER_MINUTE: "1", TICKET_LIMIT_PER_MINUTE: "1", ADMIN_LIMIT_PER_MINUTE: "1" });
    const noOrigin = testEnv(bridge.url);

    // this document, health, keys
    expect((await edge("/openapi.json")).status).toBe(200);
    expect((await edge("/openapi.json", { method: "POST", operation: "openapi" })).status).toBe(405);
    expect((await edge("/healthz")).status).toBe(200);
    expect((await edge("/.well-known/jwks.json")).body.keys.length).toBeGreaterThan(0);
    expect((await edge("/.well-known/jwks.json", { method: "POST", operation: "jwks" })).status).toBe(405);

    // join
    const line = await edgeOnlyQueue("contract-line");
    const waiter = await joined(line);
    // a second fan's ticket for the calls with Redis unreachable (the first one's gets rate limited below)
    const other = await joined(line, "203.0.113.13");
    expect((await edge(`/queue/${line}/join`, { method: "POST", jar: waiter.jar })).status).toBe(200);
    expect((await edge(`/queue/${line}/join`, { operation: "join" })).status).toBe(405);
    // a sold-out waiting room in the registry: Redis has not lost the line, so an unknown event is 404
    const over = await edgeOnlyQueue("contract-over", { status: "soldout" });
    await register(over);
    expect((await edge(`/queue/${uniqueEventId("contract-none")}/join`, { method: "POST" })).status).toBe(404);
    expect((await edge(`/queue/${over}/join`, { method: "POST" })).status).toBe(410);
    // the waiting list of a sold-out sale
    // as the origin's leader does once it has checked the list against MySQL: it vouches for this Redis run
    const runId = /run_id:(\w+)/.exec(await redis.info("server"))![1]!;
    for (const eventId of [over, line]) await redis.hset(eventKeys(eventId).queueState, "waitlistRun", runId);
    const listed = new Map<string, string>();
    const waitlist = (eventId: string, body: string, jar = listed) => edge(`/queue/${eventId}/waitlist`, { method: "POST", jar, ip: "203.0.113.71", headers: { "content-type": "application/json" }, body });
    expect((await waitlist(over, '{"quantity":2}')).status).toBe(201);
    expect((await waitlist(over, '{"quantity":2}')).status).toBe(200);
    expect((await waitlist(over, '{"quantity":0}', new Map())).status).toBe(400);
    expect((await waitlist(line, '{"quantity":1}', new Map())).status).toBe(409);
    expect((await edge(`/queue/${over}/waitlist`, { jar: listed, operation: "waitlistStatus" })).status).toBe(200);
    expect((await edge(`/queue/${over}/waitlist`, { operation: "waitlistStatus" })).status).toBe(401);
    expect((await edge(`/queue/${over}/waitlist`, { method: "DELETE", operation: "joinWaitlist" })).status).toBe(405);
    const joinRate = await edgeOnlyQueue("contract-join-rate");
    expect((await edge(`/queue/${joinRate}/join`, { method: "POST", env: tight, ip: "203.0.113.99" })).status).toBe(201);
    expect((await edge(`/queue/${joinRate}/join`, { method: "POST", env: tight, ip: "203.0.113.99" })).status).toBe(429);
    expect((await edge(`/queue/${line}/join`, { method: "POST", env: dead })).status).toBe(503);
    expect((await edge(`/queue/${line}%00/join`, { method: "POST", operation: "join" })).status).toBe(400);

    // the proof-of-work challenge, and a join that needs one
    const powLine = await edgeOnlyQueue("contract-pow", { challenge: "pow" });
    expect((await edge(`/queue/${powLine}/challenge`)).body.algorithm).toBe("SHA-256");
    expect((await edge(`/queue/${powLine}/challenge?min=x`)).status).toBe(400);
    expect((await edge(`/queue/${powLine}/challenge`, { method: "POST", operation: "challenge" })).status).toBe(405);
    expect((await edge(`/queue/${powLine}/join`, { method: "POST", ip: "203.0.113.60" })).body.code).toBe("CHALLENGE_REQUIRED");

    // status
    expect((await edge(`/queue/${line}/status`, { jar: waiter.jar })).body.admitted).toBe(false);
    expect((await edge(`/queue/${line}/status`, { headers: { "x-queue-ticket": waiter.ticket } })).status).toBe(200);
    expect((await edge(`/queue/${line}/status`)).status).toBe(401);
    // rate limits on a line of their own: a limited ticket stays blocked for the window
    const rateLine = await edgeOnlyQueue("contract-rate");
    const polled = await joined(rateLine, "203.0.113.40");
    expect((await edge(`/queue/${rateLine}/status`, { jar: polled.jar, env: tight })).status).toBe(200);
    expect((await edge(`/queue/${rateLine}/status`, { jar: polled.jar, env: tight })).status).toBe(429);
    const eager = await joined(rateLine, "203.0.113.41");
    expect((await edge(`/queue/${rateLine}/claim`, { method: "POST", jar: eager.jar, env: tight })).status).toBe(409);
    expect((await edge(`/queue/${rateLine}/claim`, { method: "POST", jar: eager.jar, env: tight })).status).toBe(429);
    const streamer = await joined(rateLine, "203.0.113.42");
    const first = await stream(`/queue/${rateLine}/events`, { jar: streamer.jar, env: tight });
    expect(first.status).toBe(200);
    await first.reader!.close();
    expect((await stream(`/queue/${rateLine}/events`, { jar: streamer.jar, env: tight })).status).toBe(429);
    expect((await edge(`/queue/${line}/status`, { jar: other.jar, env: dead })).status).toBe(503);

    // events: position while waiting, then closed when the sale ends
    const live = await stream(`/queue/${line}/events`, { jar: waiter.jar });
    expect(live.status).toBe(200);
    expect((await nextEvent(live.reader!, "position")).ticketNumber).toBe(1);
    await live.reader!.close();
    expect((await stream(`/queue/${line}/events`)).status).toBe(401);
    const unreachable = await stream(`/queue/${line}/events`, { jar: other.jar, env: dead });
    expect(unreachable.status).toBe(200);
    expect((await nextEvent(unreachable.reader!, "restoring")).code).toBe("RESTORING");
    await unreachable.reader!.close();

    // choice: kept while waiting (status answers it); refused when malformed, without a ticket, by GET
    const choose = (body: string, init: Partial<Init> = { jar: waiter.jar }) => edge(`/queue/${line}/choice`, { method: "PUT", headers: { "content-type": "application/json" }, body, ...init });
    expect((await choose(JSON.stringify({ quantity: 2 }))).status).toBe(200);
    expect((await edge(`/queue/${line}/status`, { jar: waiter.jar })).body.choice).toEqual({ quantity: 2 });
    expect((await choose(JSON.stringify({ quantity: 0 }))).status).toBe(400);
    expect((await choose(JSON.stringify({ quantity: 1, tier: "front", maxPriceCents: 100 }))).status).toBe(400);
    expect((await choose("not json")).body.code).toBe("INVALID_REQUEST");
    expect((await choose(JSON.stringify({ quantity: 1 }), {})).status).toBe(401);
    expect((await edge(`/queue/${line}/choice`, { operation: "declareChoice" })).status).toBe(405);

    // claim: not yet, then admitted (status and stream say so), claimed once, then gone
    expect((await edge(`/queue/${line}/claim`, { method: "POST", jar: waiter.jar })).status).toBe(409);
    await admitHead(line, 1);
    expect((await edge(`/queue/${line}/status`, { jar: waiter.jar })).body.admitted).toBe(true);
    expect((await edge(`/queue/${line}/join`, { method: "POST", jar: waiter.jar })).body.admitted).toBe(true);
    const admittedStream = await stream(`/queue/${line}/events`, { jar: waiter.jar });
    expect([200, 204]).toContain(admittedStream.status);
    if (admittedStream.reader) expect((await nextEvent(admittedStream.reader, "admitted")).admitted).toBe(true);
    await admittedStream.reader?.close();
    const ticketOnly = { "x-queue-ticket": waiter.ticket };
    // more time to claim, once (the event's default extension and budget)
    expect((await edge(`/queue/${line}/extend`, { method: "POST", jar: waiter.jar })).status).toBe(200);
    expect((await edge(`/queue/${line}/extend`, { method: "POST", jar: waiter.jar })).status).toBe(409);
    expect((await edge(`/queue/${line}/extend`, { operation: "extendClaim" })).status).toBe(405);
    expect((await edge(`/queue/${line}/claim`, { method: "POST", jar: waiter.jar })).status).toBe(200);
    expect((await edge(`/queue/${line}/claim`, { method: "POST", headers: ticketOnly })).status).toBe(403);
    // claimed: the choice no longer changes
    expect((await choose(JSON.stringify({ quantity: 1 }), { headers: { ...ticketOnly, "content-type": "application/json" } })).status).toBe(409);
    expect((await edge(`/queue/${line}/status`, { headers: ticketOnly })).status).toBe(410);
    const goneStream = await stream(`/queue/${line}/events`, { headers: ticketOnly });
    expect([200, 204]).toContain(goneStream.status);
    if (goneStream.reader) expect((await nextEvent(goneStream.reader, "expired")).code).toBe("LEFT_QUEUE");
    await goneStream.reader?.close();
    expect((await edge(`/queue/${line}/claim`, { method: "POST" })).status).toBe(401);
    expect((await edge(`/queue/${line}/claim`, { operation: "claim" })).status).toBe(405);
    const late = await joined(line, "203.0.113.11");
    await admitHead(line, 2, { claimWindowMs: 1 }); // the second fan and this one
    await Bun.sleep(20);
    expect((await edge(`/queue/${line}/claim`, { method: "POST", jar: late.jar })).status).toBe(410);
    expect((await edge(`/queue/${line}/claim`, { method: "POST", jar: other.jar, env: dead })).status).toBe(503);

    // the resume link: the page asks, the POST moves the place to a fresh ticket, the old ticket is told
    const movingLine = await edgeOnlyQueue("contract-resume");
    const mover = await joined(movingLine, "203.0.113.60");
    const movingTid = JSON.parse(atob(mover.ticket.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))).tid as string;
    const code = await resumeCode(env, movingLine, movingTid);
    expect((await edge(`/queue/${movingLine}/resume/${code}`, { operation: "resumePage" })).status).toBe(200);
    expect((await edge(`/queue/${movingLine}/resume/${code.slice(0, -2)}xx`, { operation: "resumePage" })).status).toBe(404);
    expect((await edge(`/queue/${movingLine}/resume/${code}`, { method: "DELETE", operation: "resumePage" })).status).toBe(405);
    const oldStream = await stream(`/queue/${movingLine}/events`, { jar: mover.jar });
    expect((await nextEvent(oldStream.reader!, "position")).ticketNumber).toBe(1);
    expect((await edge(`/queue/${movingLine}/resume/${code.slice(0, -2)}xx`, { method: "POST", operation: "resume" })).status).toBe(404);
    const phone = new Map<string, string>();
    const resumed = await edge(`/queue/${movingLine}/resume/${code}`, { method: "POST", jar: phone, operation: "resume" });
    expect(resumed.status).toBe(200);
    expect(resumed.body.ticketNumber).toBe(1);
    expect((await nextEvent(oldStream.reader!, "moved")).code).toBe("PLACE_MOVED");
    await oldStream.reader!.close();
    expect((await edge(`/queue/${movingLine}/resume/${code}`, { method: "POST", operation: "resume" })).body.code).toBe("PLACE_MOVED");
    expect((await edge(`/queue/${movingLine}/status`, { jar: mover.jar })).body.code).toBe("PLACE_MOVED");
    expect((await edge(`/queue/${movingLine}/status`, { jar: phone })).body).toMatchObject({ ticketNumber: 1, position: 1 });

    // the turn email: an address left (bad ones refused), the link's page asks, its POST claims once
    const mailLine = await edgeOnlyQueue("contract-mail");
    const mailFan = await joined(mailLine, "203.0.113.61");
    const mailTid = JSON.parse(atob(mailFan.ticket.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))).tid as string;
    const notify = (body: string, jar = mailFan.jar) => edge(`/queue/${mailLine}/notify`, { method: "POST", jar, headers: { "content-type": "application/json" }, body });
    expect((await notify('{"email":"fan@example.com"}')).status).toBe(202);
    expect((await notify('{"email":"nope"}')).status).toBe(400);
    expect((await notify('{"email":"fan@example.com"}', new Map())).status).toBe(401);
    expect((await edge(`/queue/${mailLine}/notify`, { operation: "leaveAddress" })).status).toBe(405);
    const turnCode = await turnLinkCode(env, mailLine, mailTid, "a");
    const turnPath = `/queue/${mailLine}/turn/${turnCode}`;
    expect((await edge(turnPath, { operation: "turnLinkPage" })).status).toBe(409); // still waiting
    expect((await edge(turnPath, { method: "POST", operation: "turnLinkClaim" })).status).toBe(409);
    await admitHead(mailLine, 1);
    expect((await edge(turnPath, { operation: "turnLinkPage" })).status).toBe(200);
    expect((await edge(`${turnPath.slice(0, -2)}xx`, { operation: "turnLinkPage" })).status).toBe(404);
    expect((await edge(`${turnPath.slice(0, -2)}xx`, { method: "POST", operation: "turnLinkClaim" })).status).toBe(404);
    expect((await edge(turnPath, { method: "DELETE", operation: "turnLinkPage" })).status).toBe(405);
    expect((await edge(turnPath, { method: "POST", operation: "turnLinkClaim" })).status).toBe(200);
    expect((await edge(turnPath, { method: "POST", operation: "turnLinkClaim" })).body.code).toBe("TURN_LINK_USED");
    // the place is claimed: no address to leave for it any more
    expect((await notify('{"email":"fan@example.com"}')).body.code).toBe("NOT_WAITING");

    // a line being restored (its queue state lost): status, join, claim and the stream say so
    const lostLine = await edgeOnlyQueue("contract-restoring");
    const keeper = await joined(lostLine, "203.0.113.50");
    await redis.hdel(eventKeys(lostLine).queueState, "status");
    const restoringStatus = await edge(`/queue/${lostLine}/status`, { jar: keeper.jar });
    expect(restoringStatus.body).toMatchObject({ status: "restoring", position: null });
    expect((await edge(`/queue/${lostLine}/join`, { method: "POST", jar: keeper.jar })).body.code).toBe("RESTORING");
    expect((await edge(`/queue/${lostLine}/claim`, { method: "POST", jar: keeper.jar })).body.code).toBe("RESTORING");
    const restoringStream = await stream(`/queue/${lostLine}/events`, { jar: keeper.jar });
    expect((await nextEvent(restoringStream.reader!, "restoring")).status).toBe("restoring");
    await restoringStream.reader!.close();

    // readiness, on a Redis of its own: ok with one open waiting room, degraded when the registry is gone
    const own = await PrivateRedis.start();
    const ownBridge = await startBridge({ redisUrl: own.url });
    try {
      const ownRedis = new Redis(own.url);
      const probe = testEnv(ownBridge.url);
      expect((await edge("/health", { env: probe })).status).toBe(503);
      await ownRedis.hset(eventKeys("contract-ready").queueState, "status", "open");
      await ownRedis.sadd(globalKeys.queues, "contract-ready");
      ownRedis.disconnect();
      await Bun.sleep(1100); // the isolate's answer is reused for a second
      expect((await edge("/health", { env: probe })).body).toMatchObject({ status: "ok", redis: { reachable: true }, registry: { present: true, events: 1 } });
      expect((await edge("/health", { method: "POST", env: probe, operation: "health" })).status).toBe(405);
    } finally {
      await ownBridge.stop();
      await own.kill();
    }

    const stayer = await joined(line, "203.0.113.14");
    const waiting = await stream(`/queue/${line}/events`, { jar: stayer.jar });
    expect((await nextEvent(waiting.reader!, "position")).position).toBeGreaterThanOrEqual(1);
    await openQueue(line, { status: "closed" });
    expect((await nextEvent(waiting.reader!, "closed")).status).toBe("closed");
    await waiting.reader!.close();

    // /api/*: an admitted fan of the origin's event
    const e = h.eventId;
    expect((await h.call("POST", `/admin/events/${e}/queue`, { headers: admin })).status).toBe(201);
    const fan = await joined(e, "203.0.113.20");
    const buyer = await joined(e, "203.0.113.21");
    await admitHead(e, 2);
    const claimed = await edge(`/queue/${e}/claim`, { method: "POST", jar: fan.jar });
    expect(claimed.status).toBe(200);
    expect((await edge(`/queue/${e}/claim`, { method: "POST", jar: buyer.jar })).status).toBe(200);
    const bearer = { authorization: `Bearer ${claimed.body.activeToken}` };

    expect((await edge(`/api/events/${e}`, { jar: fan.jar })).status).toBe(200);
    expect((await edge(`/api/events/${e}`)).status).toBe(401);
    expect((await edge(`/api/events/bad!id`, { jar: fan.jar })).status).toBe(400);
    expect((await edge(`/api/events/${e}`, { jar: fan.jar, env: noOrigin })).status).toBe(502);
    expect((await edge(`/api/events/${e}/seats`, { headers: bearer })).status).toBe(200);
    expect((await edge(`/api/events/${e}/seats`, { method: "POST", headers: bearer, operation: "apiSeats" })).status).toBe(405);
    expect((await edge(`/api/events/${e}/seats/status`, { jar: fan.jar })).status).toBe(200);
    expect((await edge(`/api/events/${e}/seats/status`)).status).toBe(401);
    const hold = (seatIds: string[], jar = fan.jar) =>
      edge(`/api/events/${e}/holds`, { method: "POST", jar, headers: { "content-type": "application/json" }, body: JSON.stringify({ seatIds }) });
    const held = await hold(["A-1-1"]);
    expect(held.status).toBe(201);
    expect((await hold(["A-1-1"], buyer.jar)).status).toBe(409);
    expect((await hold(["Z-9-9"])).status).toBe(400);
    expect((await edge(`/api/events/${e}/holds`, { method: "POST", jar: fan.jar, headers: { "content-type": "application/json" }, body: JSON.stringify({ seatIds: ["A-1-2"], pad: "x".repeat(70_000) }) })).status).toBe(413);
    expect((await edge(`/api/events/${e}/holds`, { jar: fan.jar })).body.holds.length).toBe(1);
    expect((await edge(`/api/events/${e}/holds`)).status).toBe(401);
    const best = (body: unknown) => edge(`/api/events/${e}/holds/best-available`, { method: "POST", jar: buyer.jar, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const bestHeld = await best({ quantity: 1 });
    expect(bestHeld.status).toBe(201);
    expect((await best({ quantity: 0 })).status).toBe(400);
    expect((await edge(`/api/events/${e}/holds/${bestHeld.body.holdId}`, { method: "DELETE", jar: buyer.jar })).status).toBe(200);
    const spare = await hold(["A-1-3"]);
    const extendHold = () => edge(`/api/events/${e}/holds/${spare.body.holdId}/extend`, { method: "POST", jar: fan.jar });
    expect((await extendHold()).status).toBe(200);
    expect((await extendHold()).body.code).toBe("ALREADY_EXTENDED");
    const swap = (seatIds: string[]) => edge(`/api/events/${e}/holds/${spare.body.holdId}/seats`, { method: "PUT", jar: fan.jar, headers: { "content-type": "application/json" }, body: JSON.stringify({ seatIds }) });
    const swapped = await swap(["A-1-4"]);
    expect(swapped.status).toBe(200);
    expect((await swap(["A-1-1"])).status).toBe(409);
    expect((await swap([])).status).toBe(400);
    expect((await edge(`/api/events/${e}/holds/${spare.body.holdId}`, { method: "DELETE", jar: fan.jar })).status).toBe(200);
    expect((await edge(`/api/events/${e}/holds/${spare.body.holdId}`, { method: "DELETE", jar: fan.jar })).status).toBe(410);
    const purchase = (holdId: string, key: string) => edge(`/api/events/${e}/holds/${holdId}/purchase`, { method: "POST", jar: fan.jar, headers: { "idempotency-key": key, "content-type": "application/json" }, body: JSON.stringify({ paymentMethod: "sim_approve" }) });
    expect((await purchase(held.body.holdId, "")).status).toBe(400);
    const bought = await purchase(held.body.holdId, "edge-contract-1");
    expect(bought.status).toBe(201);
    expect((await edge(`/api/events/${e}/holds/${held.body.holdId}/purchase`, { method: "POST" })).status).toBe(401);
    expect((await edge(`/api/orders/${bought.body.orderId}?eventId=${e}`, { jar: fan.jar })).status).toBe(200);
    expect((await edge(`/api/orders/${bought.body.orderId}`, { headers: { "x-event-id": e, ...bearer } })).status).toBe(200);
    expect((await edge(`/api/orders/ord_doesnotexist000?eventId=${e}`, { jar: buyer.jar })).status).toBe(404);
    expect((await edge(`/api/orders/${bought.body.orderId}`)).status).toBe(401);
    expect((await edge(`/api/events/${e}/session`, { method: "DELETE" })).status).toBe(401);
    expect((await edge(`/api/events/${e}/session`, { method: "DELETE", jar: buyer.jar })).status).toBe(200);

    // /admin/*: the organiser dashboard's calls
    const a = `/admin/events/${e}`;
    expect((await edge(`${a}/dashboard`, { headers: admin })).status).toBe(200);
    expect((await edge(`${a}/dashboard`)).status).toBe(401);
    for (const report of ["report", "report.csv", "report.jws", "report?format=csv", "report?format=json"]) {
      expect((await edge(`${a}/${report}`, { headers: admin })).status).toBe(200);
      expect((await edge(`/admin/events/${uniqueEventId("contract-none")}/${report}`, { headers: admin })).status).toBe(404);
    }
    const unknownFormat = await edge(`${a}/report?format=xml`, { headers: admin });
    expect(unknownFormat.status).toBe(400);
    expect(unknownFormat.body.code).toBe("INVALID_REQUEST");
    expect((await edge(`${a}/stats`, { headers: admin })).status).toBe(200);
    expect((await edge(`${a}/stats`, { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    expect((await edge(`${a}/stats`, { method: "DELETE", headers: admin, operation: "adminStats" })).status).toBe(405);
    expect((await edge(`${a}/stats`, { headers: admin, env: tight, ip: "203.0.113.30" })).status).toBe(200);
    expect((await edge(`${a}/stats`, { headers: admin, env: tight, ip: "203.0.113.30" })).status).toBe(429);
    expect((await edge(`${a}/stats`, { headers: admin, env: dead })).status).toBe(503);
    expect((await edge(`/admin/events/bad!id/stats`, { headers: admin })).status).toBe(400);
    expect((await edge(`${a}/queue`, { headers: admin })).status).toBe(200);
    expect((await edge(`/admin/events/${uniqueEventId("contract-none")}/queue`, { headers: admin })).status).toBe(404);
    expect((await edge(`${a}/queue`, { method: "PATCH", headers: { ...admin, "content-type": "application/json" }, body: JSON.stringify({ maxActive: 40 }) })).status).toBe(200);
    expect((await edge(`${a}/queue`, { method: "PATCH", headers: { ...admin, "content-type": "application/json" }, body: "{}" })).status).toBe(400);
    expect((await edge(`${a}/limits`, { method: "PATCH", headers: { ...admin, "content-type": "application/json" }, body: JSON.stringify({ customerLimit: 6 }) })).status).toBe(200);
    expect((await edge(`${a}/limits`, { method: "PATCH", headers: { ...admin, "content-type": "application/json" }, body: JSON.stringify({ customerLimit: 0 }) })).status).toBe(400);
    expect((await edge(`${a}/queue/pause`, { method: "POST", headers: admin })).status).toBe(200);
    expect((await edge(`${a}/queue/resume`, { method: "POST", headers: admin })).status).toBe(200);
    // what the room covers: read, set (nothing more here: the rest of the file keeps its routes), a refusal
    const putCovers = (body: unknown) => edge(`${a}/queue/covers`, { method: "PUT", headers: { ...admin, "content-type": "application/json" }, body: JSON.stringify(body) });
    expect((await edge(`${a}/queue/covers`, { headers: admin })).body).toEqual({ eventId: e, events: [], paths: [] });
    expect((await edge(`/admin/events/${uniqueEventId("contract-none")}/queue/covers`, { headers: admin })).status).toBe(404);
    expect((await putCovers({ events: [] })).status).toBe(200);
    expect((await putCovers({ events: [e] })).body.code).toBe("INVALID_REQUEST");
    const created = await edge(`${a}/access-codes`, { method: "POST", headers: { ...admin, "content-type": "application/json" }, body: JSON.stringify({ uses: 2 }) });
    expect(created.status).toBe(201);
    expect((await edge(`${a}/access-codes`, { method: "POST", headers: { ...admin, "content-type": "application/json" }, body: JSON.stringify({ uses: 0 }) })).status).toBe(400);
    expect((await edge(`${a}/access-codes`, { headers: admin })).status).toBe(200);
    expect((await edge(`${a}/access-codes`, { headers: {} })).status).toBe(401);
    const codeId = (created.body as { codes: Array<{ id: string }> }).codes[0]!.id;
    expect((await edge(`${a}/access-codes/${codeId}`, { method: "DELETE", headers: admin })).status).toBe(200);
    expect((await edge(`${a}/access-codes/ac_none`, { method: "DELETE", headers: admin })).status).toBe(404);
    // the organiser's page templates, and the edge's preview of one
    const putPage = (kind: string, body: unknown) => edge(`${a}/page-templates/${kind}`, { method: "PUT", headers: { ...admin, "content-type": "application/json" }, body: JSON.stringify(body) });
    expect((await putPage("paused", { html: "<p>Break: {{position}}</p><script>x()</script>" })).status).toBe(200);
    expect((await putPage("paused", { html: "" })).status).toBe(400);
    expect((await edge(`${a}/page-templates`, { headers: admin })).status).toBe(200);
    expect((await edge(`${a}/page-templates`, { headers: {} })).status).toBe(401);
    const eventOfA = a.split("/")[3]!;
    expect((await edge(`/events/${eventOfA}/preview/paused`)).status).toBe(200);
    expect((await edge(`/events/${eventOfA}/preview/closed`)).status).toBe(404);
    expect((await putPage("paused", { lang: "ko", html: "<p>잠시 쉬어 갑니다</p>" })).status).toBe(200);
    expect((await putPage("paused", { lang: "xx", html: "<p>x</p>" })).status).toBe(400);
    expect((await edge(`/events/${eventOfA}/preview/paused?lang=ko`)).status).toBe(200);
    expect((await edge(`${a}/page-templates/paused?lang=ko`, { method: "DELETE", headers: admin })).status).toBe(200);
    expect((await edge(`${a}/page-templates/paused?lang=xx`, { method: "DELETE", headers: admin })).status).toBe(400);
    expect((await edge(`${a}/page-templates/paused`, { method: "DELETE", headers: admin })).status).toBe(200);
    expect((await edge(`${a}/page-templates/paused`, { method: "DELETE", headers: {} })).status).toBe(401);
    expect((await edge(`${a}/queue/close`, { method: "POST", headers: { ...admin, "content-type": "text/plain" }, body: '{"reason":"closed"}' })).status).toBe(400);
    expect((await edge(`${a}/queue/close`, { method: "POST", headers: admin })).status).toBe(200);
    expect((await edge(`${a}/queue/pause`, { method: "POST", headers: admin })).status).toBe(409);
    expect((await edge(`${a}/queue/resume`, { method: "POST" })).status).toBe(401);
    expect((await edge(`${a}/queue/close`, { method: "POST", headers: { authorization: "Bearer wrong" } })).status).toBe(401);

    // the identity step, forwarded to the origin: an email's code, a passkey made and used
    const sent: string[] = [];
    h.app.deps.mailer = { send: async ({ subject }) => void sent.push(subject) };
    const idq = await edgeOnlyQueue("contract-identity", { identity: "either" });
    const plain = await edgeOnlyQueue("contract-no-identity");
    const jsonPost = (path: string, body: unknown, headers: Record<string, string> = {}) => edge(path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
    expect((await jsonPost(`/queue/${idq}/identity/email`, { email: "contract@example.com" })).status).toBe(202);
    expect((await jsonPost(`/queue/${idq}/identity/email`, { email: "nope" })).status).toBe(400);
    const emailCode = /(\d{6})/.exec(sent[0]!)![1]!;
    expect((await jsonPost(`/queue/${idq}/identity/email/verify`, { email: "other@example.com", code: emailCode })).status).toBe(403);
    const verified = await jsonPost(`/queue/${idq}/identity/email/verify`, { email: "contract@example.com", code: emailCode });
    expect(verified.status).toBe(200);
    const idJoin = await jsonPost(`/queue/${idq}/join`, { identityProof: verified.body.proof }, { "cf-connecting-ip": "203.0.113.77" });
    expect(idJoin.status).toBe(201);
    expect((await jsonPost(`/queue/${idq}/join`, { identityProof: verified.body.proof }, { "cf-connecting-ip": "203.0.113.78" })).status).toBe(409);
    expect((await jsonPost(`/queue/${idq}/join`, {}, { "cf-connecting-ip": "203.0.113.79" })).status).toBe(403);
    const site = { origin: "https://contract.example" };
    const key = await softPasskey();
    const regOptions = await jsonPost(`/queue/${idq}/identity/passkey/register/options`, {}, site);
    expect(regOptions.status).toBe(200);
    expect((await jsonPost(`/queue/${plain}/identity/passkey/register/options`, {}, site)).status).toBe(404);
    expect((await jsonPost(`/queue/${idq}/identity/passkey/register`, { ceremony: regOptions.body.ceremony, response: await key.register(regOptions.body.options, site.origin) }, site)).status).toBe(200);
    expect((await jsonPost(`/queue/${idq}/identity/passkey/register`, { ceremony: regOptions.body.ceremony, response: await key.register(regOptions.body.options, site.origin) }, site)).status).toBe(403);
    const loginOptions = await jsonPost(`/queue/${idq}/identity/passkey/login/options`, {}, site);
    expect(loginOptions.status).toBe(200);
    expect((await jsonPost(`/queue/${plain}/identity/passkey/login/options`, {}, site)).status).toBe(404);
    expect((await jsonPost(`/queue/${idq}/identity/passkey/login`, { ceremony: loginOptions.body.ceremony, response: await key.login(loginOptions.body.options, site.origin) }, site)).status).toBe(200);
    expect((await jsonPost(`/queue/${idq}/identity/passkey/login`, { ceremony: loginOptions.body.ceremony, response: await key.login(loginOptions.body.options, site.origin) }, site)).status).toBe(403);

    expect(problems).toEqual([]);
    // the forwarded answers reached the origin's document: one operation there for each forwarded one here
    const forwarded = Object.entries(originContract.coverage()).filter(([, statuses]) => statuses.length > 0).map(([id]) => id);
    expect(forwarded.length).toBeGreaterThanOrEqual(14);
    const missing = Object.entries(contract.coverage()).flatMap(([id, statuses]) => {
      const out: string[] = [];
      if (!statuses.some((s) => s < 300)) out.push(`${id}: no 2xx`);
      if (id !== "healthz" && !statuses.some((s) => s >= 400 && s < 500)) out.push(`${id}: no 4xx`);
      return out;
    });
    expect(missing).toEqual([]);
  });
});
