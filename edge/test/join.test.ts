import { describe, expect, setDefaultTimeout, test } from "bun:test";

setDefaultTimeout(20_000);
import { eventKeys } from "../../common/keys.ts";
import { jwtVerify } from "jose";
import { signQueueTicket, verifyQueueTicket } from "../../common/tokens.ts";
import { useEdgeWorker } from "./helpers/fixture.ts";
import { redis, register, setStatus } from "./helpers/redis.ts";
import { uniqueEventId } from "../../test/kit/event-ids.ts";
import { call } from "./helpers/worker.ts";


const join = (eventId: string, jar = new Map<string, string>(), headers: HeadersInit = {}) =>
  call(edge.env, `/queue/${eventId}/join`, { method: "POST", jar, headers });

const edge = useEdgeWorker();
const { freshEvent } = edge;

describe("POST /queue/:eventId/join", () => {
  test("fans get places in arrival order, a signed ticket and an HttpOnly per-event cookie", async () => {
    const eventId = await freshEvent("order");
    const fans = [new Map<string, string>(), new Map<string, string>(), new Map<string, string>()];
    const bodies = [];
    for (const jar of fans) {
      const res = await join(eventId, jar);
      expect(res.status).toBe(201);
      const cookie = res.headers.get("set-cookie")!;
      expect(cookie).toStartWith(`cu_q_${eventId}=`);
      expect(cookie).toContain("HttpOnly");
      expect(cookie).toContain("SameSite=Lax");
      expect(cookie).not.toContain("Secure"); // plain-http localhost only
      bodies.push(await res.json());
    }
    expect(bodies.map((b: any) => b.ticketNumber)).toEqual([1, 2, 3]);
    expect(bodies.map((b: any) => b.position)).toEqual([1, 2, 3]);
    expect(bodies[2]).toMatchObject({ ahead: 2, status: "open", inWaitingRoom: true, queueIsFull: false, admitted: false });
    expect(typeof bodies[0].ticket).toBe("string");
    expect(typeof bodies[0].refreshIntervalSeconds).toBe("number");
  });

  test("cookies are Secure on a non-local host", async () => {
    const eventId = await freshEvent("secure");
    const res = await call(edge.env, `https://tickets.example/queue/${eventId}/join`, { method: "POST" });
    expect(res.headers.get("set-cookie")).toContain("; Secure");
  });

  test("a fan who joins again keeps the first place", async () => {
    const eventId = await freshEvent("twice");
    const jar = new Map<string, string>();
    const first = await (await join(eventId, jar)).json();
    await join(eventId); // someone else
    const again = await join(eventId, jar);
    expect(again.status).toBe(200);
    expect(again.headers.get("set-cookie")).toBeNull();
    const body: any = await again.json();
    expect(body.ticketNumber).toBe(first.ticketNumber);
    expect(body.position).toBe(1);
    expect(await redis.zcard(eventKeys(eventId).queue)).toBe(2);
  });

  test("an app keeping the ticket itself sends it as X-Queue-Ticket and keeps its place", async () => {
    const eventId = await freshEvent("header");
    const first: any = await (await join(eventId)).json();
    const again: any = await (await join(eventId, new Map(), { "x-queue-ticket": first.ticket })).json();
    expect(again.ticketNumber).toBe(first.ticketNumber);
  });

  test("1,000 concurrent joins get 1,000 distinct, gap-free numbers", async () => {
    const eventId = await freshEvent("race");
    const responses = await Promise.all(Array.from({ length: 1000 }, () => join(eventId)));
    expect(responses.every((r) => r.status === 201)).toBe(true);
    const numbers = (await Promise.all(responses.map((r) => r.json()))).map((b: any) => b.ticketNumber as number);
    expect(new Set(numbers).size).toBe(1000);
    expect(numbers.sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(await redis.zcard(eventKeys(eventId).queue)).toBe(1000);
  });

  test("the same fan joining 50 times at once still holds one place", async () => {
    const eventId = await freshEvent("same-race");
    const jar = new Map<string, string>();
    const first: any = await (await join(eventId, jar)).json();
    const again = await Promise.all(Array.from({ length: 50 }, () => join(eventId, new Map(jar))));
    const numbers = new Set(await Promise.all(again.map(async (r) => ((await r.json()) as any).ticketNumber)));
    expect([...numbers]).toEqual([first.ticketNumber]);
    expect(await redis.zcard(eventKeys(eventId).queue)).toBe(1);
  });

  test("forged, tampered, expired and other-event tickets count as no ticket: a new place, never someone else's", async () => {
    const eventId = await freshEvent("forged");
    const other = await freshEvent("forged-other");
    const victim: any = await (await join(eventId)).json();
    const now = Math.floor(Date.now() / 1000);
    const [h, p, s] = victim.ticket.split(".");
    const claims = JSON.parse(Buffer.from(p, "base64url").toString());
    const tampered = [h, Buffer.from(JSON.stringify({ ...claims, num: 0 })).toString("base64url"), s].join(".");
    const forged = await signQueueTicket({ evt: eventId, tid: claims.tid, num: claims.num }, 3600, "not-the-secret");
    const expired = await signQueueTicket({ evt: eventId, tid: claims.tid, num: claims.num }, 60, process.env.TICKET_SECRET!, now - 3600);
    const otherEvent: any = await (await join(other)).json();
    for (const ticket of [tampered, forged, expired, otherEvent.ticket, "garbage"]) {
      const jar = new Map([[`cu_q_${eventId}`, ticket]]);
      const res = await join(eventId, jar);
      expect(res.status).toBe(201);
      const body: any = await res.json();
      expect(body.ticketNumber).toBeGreaterThan(victim.ticketNumber);
      expect(JSON.parse(Buffer.from(body.ticket.split(".")[1], "base64url").toString()).tid).not.toBe(claims.tid);
    }
  });

  test("events without a waiting room, ended sales and full rooms are refused with JSON errors", async () => {
    // another event's waiting room is listed in the registry: Redis has not lost the line
    const ended = await freshEvent("ended");
    await setStatus(ended, "soldout");
    await register(ended);
    const missing = await join(uniqueEventId("nothing"));
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: "NO_SUCH_EVENT" });

    const soldout = await join(ended);
    expect(soldout.status).toBe(410);
    expect(await soldout.json()).toMatchObject({ code: "SALE_ENDED" });

    const small = await freshEvent("full", { maxWaiting: 2 });
    expect((await join(small)).status).toBe(201);
    expect((await join(small)).status).toBe(201);
    const full = await join(small);
    expect(full.status).toBe(503);
    expect(full.headers.get("retry-after")).toBe("60");
    expect(await full.json()).toMatchObject({ code: "QUEUE_FULL" });

    const bad = await call(edge.env, `/queue/${"x".repeat(65)}/join`, { method: "POST" });
    expect(bad.status).toBe(404);
    const wrongMethod = await call(edge.env, `/queue/${ended}/join`);
    expect(wrongMethod.status).toBe(405);
  });

  test("a paused sale still lets fans take a place and says it is paused", async () => {
    const eventId = await freshEvent("paused");
    await setStatus(eventId, "paused");
    const res = await join(eventId);
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ status: "paused", waitTimeKnown: false });
  });
});

describe("queue tickets", () => {
  test("a ticket is a standard HS256 JWT: jose verifies it with the secret and refuses it with any other", async () => {
    const token = await signQueueTicket({ evt: "e-1", tid: "t_-1", num: 7 }, 60, "first-secret");
    const { payload, protectedHeader } = await jwtVerify(token, new TextEncoder().encode("first-secret"), { algorithms: ["HS256"], issuer: "concert-u-edge" });
    expect(protectedHeader).toEqual({ alg: "HS256", typ: "JWT" });
    expect(payload).toMatchObject({ typ: "queue", evt: "e-1", tid: "t_-1", num: 7 });
    expect(payload.exp! - payload.iat!).toBe(60);
    await expect(jwtVerify(token, new TextEncoder().encode("other-secret"))).rejects.toThrow();
    expect(await verifyQueueTicket(token, ["other-secret", "first-secret"], "e-1")).toMatchObject({ tid: "t_-1", num: 7 });
    expect(await verifyQueueTicket(token, ["first-secret"], "e-2")).toBeNull();
  });
});
