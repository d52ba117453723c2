/**
 * The challenge before a new place, through the production Worker in workerd (the
 * JoinBatcher bound as in wrangler.toml) and the dev Upstash bridge to the test Redis: an
 * event that asks a proof-of-work refuses joins without a good solution, or sends them to
 * an infinite queue that never moves while real fans are admitted; a solution works once,
 * expires and is bound to its event; an IP that joins fast is asked for more work.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createChallenge, solveChallenge } from "altcha-lib/v1";
import Redis from "ioredis";
import { eventKeys } from "../../common/keys.ts";
import { admitNextFans } from "../../test/kit/admit.ts";
import { startBridge, type TestBridge } from "../../test/kit/bridge.ts";
import { newOpenEvent } from "../../test/kit/waiting-room.ts";
import { SseReader } from "../../test/kit/sse.ts";
import { startWorkerdEdge, type WorkerdEdge } from "../../test/kit/workerd-edge.ts";

setDefaultTimeout(120_000);

const SECRET = "challenge-test-secret";
const BASE = 2000;
let redis: Redis;
let bridge: TestBridge;
let edge: WorkerdEdge;

beforeAll(async () => {
  redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  bridge = await startBridge();
  edge = await startWorkerdEdge({
    upstashUrl: bridge.url,
    vars: { TICK_MS: "200", HEARTBEAT_SECONDS: "1", CHALLENGE_SECRET: SECRET, POW_DIFFICULTY: String(BASE), POW_FREE_PLACES: "2", JOIN_LIMIT_PER_MINUTE: "10" },
  });
});

afterAll(async () => {
  await edge?.stop();
  await bridge?.stop();
  redis?.disconnect();
});

let nextIp = 1;
/** A documentation-range IPv6 address of its own, in a /64 of its own, for each client that asks for one. */
const newIp = () => `2001:db8:${(nextIp++).toString(16)}::1`;

async function powEvent(label: string, failure: "refuse" | "infinite" = "refuse"): Promise<string> {
  const eventId = await newOpenEvent(redis, label);
  await redis.hset(eventKeys(eventId).queueState, { challenge: "pow", challengeFailure: failure });
  return eventId;
}

interface ChallengeBody {
  algorithm: string;
  challenge: string;
  maxnumber: number;
  salt: string;
  signature: string;
  expiresAt: string;
}

async function getChallenge(eventId: string, ip: string, min = 0): Promise<ChallengeBody> {
  const res = await fetch(`${edge.url}/queue/${eventId}/challenge${min ? `?min=${min}` : ""}`, { headers: { "cf-connecting-ip": ip } });
  expect(res.status).toBe(200);
  return (await res.json()) as ChallengeBody;
}

async function solved(c: Pick<ChallengeBody, "algorithm" | "challenge" | "maxnumber" | "salt" | "signature">): Promise<string> {
  const s = await solveChallenge(c.challenge, c.salt, c.algorithm, c.maxnumber).promise;
  if (!s) throw new Error("the challenge had no solution");
  return btoa(JSON.stringify({ algorithm: c.algorithm, challenge: c.challenge, number: s.number, salt: c.salt, signature: c.signature }));
}

async function solution(eventId: string, ip: string): Promise<string> {
  return solved(await getChallenge(eventId, ip));
}

async function join(eventId: string, ip: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${edge.url}/queue/${eventId}/join`, { method: "POST", headers: { "cf-connecting-ip": ip, ...headers } });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
}

const withSolution = (payload: string) => ({ "x-challenge-solution": payload });

describe("a proof-of-work before a new place (workerd)", () => {
  test("the challenge is an ALTCHA challenge bound to the event, with an expiry and the base difficulty", async () => {
    const eventId = await powEvent("shape");
    const c = await getChallenge(eventId, newIp());
    expect(c.algorithm).toBe("SHA-256");
    expect(c.maxnumber).toBe(BASE);
    expect(c.salt).toContain(`event=${eventId}`);
    expect(c.salt).toContain(`difficulty=${BASE}`);
    expect(Date.parse(c.expiresAt)).toBeGreaterThan(Date.now());
    expect((await fetch(`${edge.url}/queue/${eventId}/challenge?min=abc`)).status).toBe(400);
  });

  test("without a solution, with a bad one, an expired one or another event's, the join is refused with 403 and takes no number", async () => {
    const eventId = await powEvent("refuse");
    const ip = newIp();
    const none = await join(eventId, ip);
    expect(none).toMatchObject({ status: 403, body: { code: "CHALLENGE_REQUIRED" } });

    const good = await getChallenge(eventId, ip);
    const payload = JSON.parse(atob(await solved(good)));
    const wrongNumber = btoa(JSON.stringify({ ...payload, number: payload.number + 1 }));
    const weakerAlgorithm = btoa(JSON.stringify({ ...payload, algorithm: "SHA-1" }));
    const forged = btoa(JSON.stringify({ ...payload, signature: "0".repeat(64) }));
    for (const bad of [wrongNumber, weakerAlgorithm, forged, "not base64 at all!", btoa("{}")]) {
      const res = await join(eventId, ip, withSolution(bad));
      expect(res.status).toBe(403);
      expect(res.body.code).toBe("CHALLENGE_FAILED");
      expect(typeof res.body.message).toBe("string");
    }

    // signed with the edge's key, solved, but past its expiry
    const old = await createChallenge({ hmacKey: SECRET, maxnumber: BASE, expires: new Date(Date.now() - 1000), params: { event: eventId, difficulty: String(BASE) } });
    const expired = await join(eventId, ip, withSolution(await solved({ ...old, maxnumber: BASE })));
    expect(expired).toMatchObject({ status: 403, body: { code: "CHALLENGE_FAILED" } });
    expect(expired.body.message).toContain("expired");

    // solved for another event
    const other = await powEvent("refuse-other");
    const elsewhere = await join(eventId, ip, withSolution(await solution(other, ip)));
    expect(elsewhere).toMatchObject({ status: 403, body: { code: "CHALLENGE_FAILED" } });
    expect(elsewhere.body.message).toContain("another event");

    const k = eventKeys(eventId);
    expect(await redis.zcard(k.queue)).toBe(0);
    expect(await redis.get(k.seq)).toBeNull();

    // and a good one buys a place
    const placed = await join(eventId, ip, withSolution(await solution(eventId, ip)));
    expect(placed).toMatchObject({ status: 201, body: { ticketNumber: 1, position: 1 } });
  });

  test("a solution buys one place, once: 100 concurrent joins with the same solution get one place, the rest 403", async () => {
    const eventId = await powEvent("replay");
    const ip = newIp();
    const payload = await solution(eventId, ip);
    const replies = await Promise.all(Array.from({ length: 100 }, () => join(eventId, ip, withSolution(payload))));
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 403)).toHaveLength(99);
    for (const r of replies) if (r.status === 403) expect(r.body.code).toBe("CHALLENGE_FAILED");
    // later, too
    const again = await join(eventId, ip, withSolution(payload));
    expect(again).toMatchObject({ status: 403, body: { code: "CHALLENGE_FAILED" } });
    expect(again.body.message).toContain("used already");
    expect(await redis.zcard(eventKeys(eventId).queue)).toBe(1);
  });

  test("an IP that joins fast is asked for more work: past the free places each new place doubles the difficulty", async () => {
    const eventId = await powEvent("harder");
    const ip = newIp();
    const bystander = newIp();
    // POW_FREE_PLACES = 2: two places at the base difficulty
    for (let i = 0; i < 2; i++) expect((await join(eventId, ip, withSolution(await solution(eventId, ip)))).status).toBe(201);
    // a third at the base difficulty (as an isolate that did not see those joins would issue it) is too easy now
    const easy = await createChallenge({ hmacKey: SECRET, maxnumber: BASE, expires: new Date(Date.now() + 60_000), params: { event: eventId, difficulty: String(BASE) } });
    const tooEasy = await join(eventId, ip, withSolution(await solved({ ...easy, maxnumber: BASE })));
    expect(tooEasy).toMatchObject({ status: 403, body: { code: "CHALLENGE_HARDER" } });
    expect(Number(tooEasy.headers.get("x-challenge-difficulty"))).toBe(BASE * 2);
    // the edge now issues this IP the harder challenge by itself; another IP still gets the base
    const harder = await getChallenge(eventId, ip);
    expect(harder.maxnumber).toBe(BASE * 2);
    expect((await getChallenge(eventId, bystander)).maxnumber).toBe(BASE);
    const placed = await join(eventId, ip, withSolution(await solved(harder)));
    expect(placed.status).toBe(201);
    // and the next one doubles again
    expect((await getChallenge(eventId, ip)).maxnumber).toBe(BASE * 4);
  });

  test("many addresses of one network (IPv4 /24, IPv6 /64) asking challenges fast are issued harder ones; other networks keep the base", async () => {
    const eventId = await powEvent("network");
    // POW_FREE_NETWORK = 30 a minute at the base difficulty, per network
    for (const address of [(i: number) => `198.51.100.${i + 1}`, (i: number) => `2001:db8:ffff:1::${(i + 1).toString(16)}`]) {
      const first = await Promise.all(Array.from({ length: 30 }, (_, i) => getChallenge(eventId, address(i))));
      expect(first.map((c) => c.maxnumber)).toEqual(Array(30).fill(BASE));
      expect((await getChallenge(eventId, address(30))).maxnumber).toBe(BASE * 2);
    }
    expect((await getChallenge(eventId, "203.0.113.7")).maxnumber).toBe(BASE);
    expect((await getChallenge(eventId, "2001:db8:ffff:2::1")).maxnumber).toBe(BASE);
  });

  test("a fan who holds a place keeps it without solving again; a reload of the page keeps it too", async () => {
    const eventId = await powEvent("keep");
    const ip = newIp();
    const placed = await join(eventId, ip, withSolution(await solution(eventId, ip)));
    expect(placed.status).toBe(201);
    const again = await join(eventId, ip, { "x-queue-ticket": placed.body.ticket });
    expect(again).toMatchObject({ status: 200, body: { ticketNumber: placed.body.ticketNumber } });
  });

  test("the waiting page of an event that asks a proof-of-work solves it before joining: a page without a ticket takes no number", async () => {
    const eventId = await powEvent("page", "infinite");
    const res = await fetch(`${edge.url}/events/${eventId}`, { headers: { "cf-connecting-ip": newIp() } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('data-solve-first="1"');
    expect(html).toContain('data-challenge="pow"');
    expect(html).toMatch(/data-pow-worker="\/assets\/pow-worker-[0-9a-f]{8}\.js"/);
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(await redis.get(eventKeys(eventId).seq)).toBeNull();
  });
});

describe("the infinite queue (workerd)", () => {
  test("bots without a solution get places that look real and never move, never reach a claim, while real fans are admitted", async () => {
    const eventId = await powEvent("infinite", "infinite");
    const k = eventKeys(eventId);
    const early = newIp();
    const first = await join(eventId, early, withSolution(await solution(eventId, early)));
    expect(first.status).toBe(201);

    const bots = await Promise.all(Array.from({ length: 30 }, () => join(eventId, newIp())));
    for (const b of bots) {
      expect(b.status).toBe(201);
      expect(b.body).toMatchObject({ admitted: false, inWaitingRoom: true, status: "open" });
      expect(typeof b.body.ticket).toBe("string");
      expect(b.body.position).toBeGreaterThanOrEqual(1);
    }
    const fans = [first];
    for (let i = 0; i < 5; i++) {
      const ip = newIp();
      const fan = await join(eventId, ip, withSolution(await solution(eventId, ip)));
      expect(fan.status).toBe(201);
      fans.push(fan);
    }
    // only the real fans are in the line
    expect(await redis.zcard(k.queue)).toBe(6);
    expect(Number(await redis.get(k.seq))).toBe(6);

    const status = async (ticket: string) => {
      const res = await fetch(`${edge.url}/queue/${eventId}/status`, { headers: { "x-queue-ticket": ticket } });
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    };
    const before = await Promise.all(bots.map((b) => status(b.body.ticket)));
    for (const [i, s] of before.entries()) expect(s.body.position).toBe(bots[i]!.body.position);

    // the scheduler admits every real fan
    expect(await admitNextFans(redis, eventId, 10)).toBe(6);
    for (const fan of fans) expect((await status(fan.body.ticket)).body.admitted).toBe(true);
    // after the next shared read, the bots still stand where they stood
    await Bun.sleep(500);
    const after = await Promise.all(bots.map((b) => status(b.body.ticket)));
    for (const [i, s] of after.entries()) {
      expect(s.status).toBe(200);
      expect(s.body).toMatchObject({ admitted: false, position: bots[i]!.body.position });
    }
    // a bot's claim is never its turn; a re-join keeps the same endless place
    const claim = await fetch(`${edge.url}/queue/${eventId}/claim`, { method: "POST", headers: { "x-queue-ticket": bots[0]!.body.ticket } });
    expect(claim.status).toBe(409);
    expect(((await claim.json()) as { code: string }).code).toBe("NOT_YOUR_TURN");
    const rejoin = await join(eventId, newIp(), { "x-queue-ticket": bots[0]!.body.ticket });
    expect(rejoin).toMatchObject({ status: 200, body: { position: bots[0]!.body.position, admitted: false } });

    // its stream shows the same position, and no admission
    const sse = await fetch(`${edge.url}/queue/${eventId}/events`, { headers: { "x-queue-ticket": bots[0]!.body.ticket } });
    expect(sse.headers.get("content-type")).toContain("text/event-stream");
    const reader = new SseReader(sse);
    const seen: string[] = [];
    const position = await reader.nextOf(["position", "admitted", "expired"]);
    seen.push(position.event);
    expect(JSON.parse(position.data).position).toBe(bots[0]!.body.position);
    // a few ticks later: heartbeats at most, never an admission
    const until = Date.now() + 1500;
    while (Date.now() < until) {
      const m = await reader.next(5000);
      if (m && "event" in m) seen.push(m.event);
    }
    await reader.close();
    expect(seen).toEqual(["position"]);

    // nothing of the bots is in Redis: no number, no presence, no admission
    expect(Number(await redis.get(k.seq))).toBe(6);
    expect(await redis.zcard(k.seen)).toBeLessThanOrEqual(6);
    expect(await redis.zcard(k.admitted)).toBe(6);
  });
});
