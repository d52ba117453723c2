/**
 * The Worker in workerd (wrangler dev, offline) against the local Redis through the
 * Upstash REST bridge: the whole fan journey over real HTTP.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";

setDefaultTimeout(20_000);
import { connect } from "node:net";
import { createLocalJWKSet, type JSONWebKeySet } from "jose";
import { verifyActiveToken } from "../../common/tokens.ts";
import { startEdge, type RunningEdge } from "../../test/kit/wrangler-edge.ts";
import { freePort } from "../../test/kit/free-port.ts";
import { startOrigin, type OriginProcess } from "../../test/kit/origin-process.ts";
import { startBridge } from "../../test/kit/bridge.ts";
import { monitorReads } from "./helpers/monitor.ts";
import { admitHead, dropEvent, openQueue } from "./helpers/redis.ts";
import { uniqueEventId } from "../../test/kit/event-ids.ts";
import { adminApi, testEventInput } from "../../test/kit/events.ts";
import { SseReader } from "./helpers/worker.ts";

let bridge: Awaited<ReturnType<typeof startBridge>>;
let edge: RunningEdge;
/** the real origin (`bun origin/src/main.ts`) */
let realOrigin: OriginProcess;
let jwks: ReturnType<typeof createLocalJWKSet>;
const events: string[] = [];
const readers: SseReader[] = [];

const root = new URL("../../", import.meta.url).pathname;

/** Creates an event with seats in MySQL through the origin's admin API, and opens its waiting room. */
async function createRealEvent(label: string): Promise<string> {
  const eventId = uniqueEventId(label);
  events.push(eventId);
  const res = await adminApi(realOrigin.url).call(
    "POST",
    "/admin/events",
    testEventInput({ id: eventId, name: "Edge flow", startsAt: "2031-01-01T20:00:00.000Z", holdSeconds: 60, sections: [{ name: "A", rows: 2, seatsPerRow: 5, tier: "standard", priceCents: 5000 }] }),
  );
  expect(res.status).toBe(201);
  await openQueue(eventId);
  return eventId;
}

beforeAll(async () => {
  bridge = await startBridge();
  const migrate = Bun.spawn(["bun", "origin/src/db/migrate.ts"], { cwd: root, stdout: "ignore", stderr: "inherit" });
  expect(await migrate.exited).toBe(0);
  realOrigin = await startOrigin({ env: {}, port: await freePort() });
  edge = await startEdge({
    upstashUrl: bridge.url,
    originUrl: realOrigin.url,
    vars: { TICK_MS: "250", PRESENCE_GRACE_SECONDS: "30", HEARTBEAT_SECONDS: "2", JOIN_LIMIT_PER_MINUTE: "100000", TICKET_LIMIT_PER_MINUTE: "100000" },
  });
  jwks = createLocalJWKSet((await (await fetch(`${edge.url}/.well-known/jwks.json`)).json()) as JSONWebKeySet);
}, 90_000);

afterAll(async () => {
  await Promise.all(readers.map((r) => r.close()));
  await edge?.stop();
  await realOrigin?.stop();
  await Promise.all(events.map(dropEvent));
  await bridge?.stop();
});

async function freshEvent(label: string) {
  const eventId = uniqueEventId(label);
  events.push(eventId);
  await openQueue(eventId);
  return eventId;
}

/** A browser-ish client: a cookie jar over fetch. */
class Fan {
  jar = new Map<string, string>();
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.jar.size) headers.set("cookie", [...this.jar].map(([k, v]) => `${k}=${v}`).join("; "));
    const res = await fetch(edge.url + path, { ...init, headers, redirect: "manual" });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const [name, value] = [pair!.slice(0, pair!.indexOf("=")), pair!.slice(pair!.indexOf("=") + 1)];
      if (value === "" || /max-age=0/i.test(c)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return res;
  }
  async stream(eventId: string): Promise<SseReader> {
    const res = await this.fetch(`/queue/${eventId}/events`, { headers: { accept: "text/event-stream" } });
    expect(res.status).toBe(200);
    const reader = new SseReader(res);
    readers.push(reader);
    return reader;
  }
}

function rawGet(path: string): Promise<string> {
  const { port } = new URL(edge.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), "127.0.0.1", () => socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    let data = "";
    socket.on("data", (d) => {
      data += d;
      const end = data.indexOf("\r\n\r\n");
      const length = /content-length:\s*(\d+)/i.exec(data)?.[1];
      if (end >= 0 && length !== undefined && data.length - end - 4 >= Number(length)) {
        socket.destroy();
        resolve(data);
      }
    });
    socket.on("end", () => resolve(data));
    socket.on("error", reject);
  });
}

async function untilPosition(stream: SseReader, position: number, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ev = await stream.nextEvent("position", Math.max(1, deadline - Date.now()));
    if (ev.data.position === position) return ev;
  }
}

describe("edge in workerd", () => {
  test("join -> live positions -> admission -> claim -> proxied call to the real origin; a second claim fails", async () => {
    const eventId = await createRealEvent("flow");
    const first = new Fan();
    const second = new Fan();
    const me = new Fan();

    const page = await first.fetch(`/events/${eventId}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("waiting room");
    expect(first.jar.has(`cu_q_${eventId}`)).toBe(true);
    expect((await second.fetch(`/queue/${eventId}/join`, { method: "POST" })).status).toBe(201);
    expect(((await (await me.fetch(`/queue/${eventId}/join`, { method: "POST" })).json()) as any).ticketNumber).toBe(3);

    const stream = await me.stream(eventId);
    const opened = await stream.nextEvent("position", 5000);
    expect(opened.data).toMatchObject({ position: 3, ahead: 2 });
    expect(opened.id).toBeDefined();
    expect(stream.retry).toBe(3000);

    await admitHead(eventId, 1);
    await untilPosition(stream, 2);
    await admitHead(eventId, 1);
    await untilPosition(stream, 1);
    await admitHead(eventId, 1);
    const admitted = await stream.nextEvent("admitted", 5000);
    expect(admitted.data.claimUrl).toBe(`/queue/${eventId}/claim`);

    // the API refuses the fan until the claim
    expect((await me.fetch(`/api/events/${eventId}/seats`)).status).toBe(401);

    const claim = await me.fetch(`/queue/${eventId}/claim`, { method: "POST" });
    expect(claim.status).toBe(200);
    const { activeToken } = (await claim.json()) as any;
    expect(me.jar.get(`cu_act_${eventId}`)).toBe(activeToken);
    expect(await verifyActiveToken(activeToken, jwks, eventId)).not.toBeNull();

    // the real origin accepts the forwarded token and the live session: the seat map, then a hold
    const seats = await me.fetch(`/api/events/${eventId}/seats`);
    const seatMap: any = await seats.json();
    expect(seats.status).toBe(200);
    expect(JSON.stringify(seatMap)).toContain("A-1-1");
    const hold = await me.fetch(`/api/events/${eventId}/holds`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ seatIds: ["A-1-1"] }),
    });
    expect([200, 201]).toContain(hold.status);
    // a fan without a claim cannot hold, even by posting straight to the API
    expect((await second.fetch(`/api/events/${eventId}/holds`, { method: "POST", body: "{}" })).status).toBe(401);

    // the ticket is spent: claiming again, even with the old ticket cookie restored, fails
    const replay = new Fan();
    replay.jar.set(`cu_q_${eventId}`, first.jar.get(`cu_q_${eventId}`)!);
    expect((await replay.fetch(`/queue/${eventId}/claim`, { method: "POST" })).status).toBe(200);
    replay.jar.set(`cu_q_${eventId}`, first.jar.get(`cu_q_${eventId}`)!);
    const again = await replay.fetch(`/queue/${eventId}/claim`, { method: "POST" });
    expect(again.status).toBe(403);
    expect(await again.json()).toMatchObject({ code: "NOT_ADMITTED" });
  }, 60_000);

  test("a forged cookie gets a new place at the back, not someone else's", async () => {
    const eventId = await freshEvent("forged");
    const victim = new Fan();
    await victim.fetch(`/queue/${eventId}/join`, { method: "POST" });
    const ticket = victim.jar.get(`cu_q_${eventId}`)!;
    const [h, p] = ticket.split(".");
    const forger = new Fan();
    forger.jar.set(`cu_q_${eventId}`, `${h}.${p}.${"A".repeat(43)}`);
    const res = await forger.fetch(`/queue/${eventId}/join`, { method: "POST" });
    expect(res.status).toBe(201);
    const body: any = await res.json();
    expect(body.ticketNumber).toBe(2);
    expect(forger.jar.get(`cu_q_${eventId}`)).not.toBe(ticket);
    await admitHead(eventId, 1);
    // the victim's turn stays the victim's
    expect((await forger.fetch(`/queue/${eventId}/claim`, { method: "POST" })).status).toBe(409);
    expect((await victim.fetch(`/queue/${eventId}/claim`, { method: "POST" })).status).toBe(200);
  }, 20_000);

  test("fan-out in one isolate: shared-state reads per second do not grow with open streams", async () => {
    const eventId = await freshEvent("fanout");
    const monitor = await monitorReads(eventId);
    try {
      async function readsPerSecond(n: number): Promise<number> {
        const fans = Array.from({ length: n }, () => new Fan());
        const streams: SseReader[] = [];
        for (let i = 0; i < n; i += 25) {
          const batch = fans.slice(i, i + 25);
          const joined = await Promise.all(batch.map((f) => f.fetch(`/queue/${eventId}/join`, { method: "POST" })));
          expect(joined.map((r) => r.status)).toEqual(batch.map(() => 201));
          streams.push(...(await Promise.all(batch.map((f) => f.stream(eventId)))));
        }
        await Promise.all(streams.map((s) => s.nextEvent("position", 10_000)));
        let reading = true;
        const drains = streams.map(async (s) => {
          while (reading) await s.next(30_000).catch(() => null);
        });
        const before = monitor.reads;
        await Bun.sleep(2000);
        const rate = (monitor.reads - before) / 2;
        reading = false;
        await Promise.all(streams.map((s) => s.close()));
        await Promise.race([Promise.all(drains), Bun.sleep(500)]);
        return rate;
      }
      const few = await readsPerSecond(5);
      await Bun.sleep(2500); // the first streams' loops notice they were closed
      const many = await readsPerSecond(120);
      // one read per 250 ms tick, whatever the number of streams
      expect(few).toBeGreaterThanOrEqual(2);
      expect(few).toBeLessThanOrEqual(5);
      expect(many).toBeLessThanOrEqual(5);
    } finally {
      await monitor.stop();
    }
  }, 60_000);

  test("dot segments are resolved before the Worker decides, encoded slashes are refused by the edge itself", async () => {
    const eventId = await freshEvent("paths");
    const dots = await rawGet(`/api/events/${eventId}/../../admin`);
    expect(dots).toStartWith("HTTP/1.1 404");
    expect(dots).toContain('"message":"No such API route."');
    const encoded = await rawGet(`/api/events/${eventId}%2Fseats`);
    expect(encoded).toStartWith("HTTP/1.1 400");
    expect(encoded).toContain('"code":"BAD_PATH"');
    const backslash = await rawGet(`/api/events/${eventId}/seats%5C..%5Cx`);
    expect(backslash).toStartWith("HTTP/1.1 400");
  }, 20_000);

  test("a raw backslash in the request line reaches the Worker as a slash: the edge decides on, and would forward, the same resolved path", async () => {
    const eventId = await freshEvent("backslash");
    // the runtime parses the URL the WHATWG way before the Worker runs: `\` is `/` in http(s) URLs
    const asSlash = await rawGet(`/api\\events\\${eventId}\\seats`);
    expect(asSlash).toStartWith("HTTP/1.1 401");
    expect(asSlash).toContain('"code":"NOT_ADMITTED"');
    expect(await rawGet(`/api/events/${eventId}/seats`)).toStartWith("HTTP/1.1 401");
    // and `\..\` is a dot segment like `/../`
    const dots = await rawGet(`/api/events/${eventId}\\..\\..\\admin`);
    expect(dots).toStartWith("HTTP/1.1 404");
    expect(dots).toContain('"message":"No such API route."');
  }, 20_000);
});
