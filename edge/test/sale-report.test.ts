/**
 * The sale report, end to end: a small sale driven through the real line (the edge's join
 * and claim scripts, the origin's scheduler admitting and checkpointing to MySQL, holds and
 * purchases through the origin's API, a fan leaving), then read through the edge as JSON, as
 * CSV and signed. Its numbers must be what the sale did; the signature must verify with the
 * edge's published JWKS and fail when one byte of the report changes.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createLocalJWKSet, flattenedVerify, type JSONWebKeySet } from "jose";
import { sessionIdFor, signActiveToken } from "../../common/tokens.ts";
import { claim, joinFans, ManualClock } from "../../origin/test/admission/support.ts";
import { Harness } from "../../origin/test/support/harness.ts";
import { createApp, type App } from "../../origin/src/app.ts";
import type { SaleReport } from "../../origin/src/modules/report/service.ts";
import { SaleSampleWriter } from "../../origin/src/modules/report/samples.ts";
import { signingKeyFromEnv } from "../../test/kit/dev-sessions.ts";
import { startBridge } from "../../test/kit/bridge.ts";
import { eventKeys } from "../../common/keys.ts";
import type { Env } from "../src/env.ts";
import { call, testEnv } from "./helpers/worker.ts";

setDefaultTimeout(30_000);

let h: Harness;
let app: App;
let clock: ManualClock;
let bridge: Awaited<ReturnType<typeof startBridge>>;
let origin: ReturnType<typeof Bun.serve>;
let env: Env;
let eventId: string;
const admin = () => ({ authorization: `Bearer ${h.config.adminKey}` });

/** the origin, on the test's clock, with the edge's headers */
async function originCall(method: string, path: string, init: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...h.edgeHeaders(), ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const res = await app.handle(new Request(`http://origin.test${path}`, { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) }));
  return { status: res.status, body: (await res.json()) as any };
}

async function tick(times = 1, stepMs = 200) {
  for (let i = 0; i < times; i++) {
    await app.deps.admission.scheduler.tickEvent(eventId);
    clock.advance(stepMs);
  }
  await app.deps.admission.scheduler.settled();
  await app.deps.dashboardSampler.settled();
}

/** fan i (1-based, = their queue number) claims their turn: the session the edge would open */
async function claimTurn(ticketId: string): Promise<string> {
  const sid = await sessionIdFor(ticketId);
  expect(await claim(h.redis, eventId, ticketId, sid, clock.now(), 600_000)).toBe(0);
  return signActiveToken({ evt: eventId, sid }, 600, signingKeyFromEnv(process.env), Math.floor(clock.now() / 1000));
}

async function buy(token: string, seatId: string) {
  const held = await originCall("POST", `/api/events/${eventId}/holds`, { token, body: { seatIds: [seatId] } });
  expect(held.status).toBe(201);
  const bought = await originCall("POST", `/api/events/${eventId}/holds/${held.body.holdId}/purchase`, { token, headers: { "idempotency-key": crypto.randomUUID() } });
  expect(bought.status).toBe(201);
}

const seat = (i: number) => `A-${i <= 10 ? 1 : 2}-${((i - 1) % 10) + 1}`;

beforeAll(async () => {
  bridge = await startBridge();
  h = await Harness.create("report");
  eventId = h.eventId;
  clock = new ManualClock();
  app = createApp({ config: h.config, redis: h.redis, database: h.database, payments: h.payments, clock });
  origin = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (req) => app.handle(req) });
  env = testEnv(bridge.url, { ORIGIN_URL: `http://127.0.0.1:${origin.port}` });

  // 10 fans a tick (50/s, ticks of 200 ms); claims within 30 s; sessions of 10 minutes
  const opened = await originCall("POST", `/admin/events/${eventId}/queue`, { headers: admin(), body: { rate: 50, maxActive: 1000, adaptive: false, claimSeconds: 30, sessionSeconds: 600 } });
  expect(opened.status).toBe(201);
  // no other origin on this Redis schedules it: the test's ticks do
  await h.redis.srem("cu:queues", eventId);
  expect(await app.deps.admission.scheduler.readRoom(eventId)).not.toBeNull();
  await tick(); // the leader watches the counter from 0

  // 30 fans take numbers 1..30; 21..25 are gone before their turn (not seen for an hour)
  const fans = await joinFans(h.redis, eventId, 30, clock.now());
  await h.redis.zadd(eventKeys(eventId).seen, "XX", ...fans.slice(20, 25).flatMap((id) => [clock.now() - 3_600_000, id]));
  // three ticks: 1..10 admitted on the tick that saw them join, 11..20 200 ms later, then 21..25 dropped and 26..30 400 ms later
  await tick(3);
  expect(await h.redis.zcard(eventKeys(eventId).admitted)).toBe(25);

  // 1..5 buy; 6, 7 claim and leave; 8 claims and is still shopping; 9, 10 never claim
  for (let i = 1; i <= 8; i++) {
    const token = await claimTurn(fans[i - 1]!);
    if (i <= 5) await buy(token, seat(i));
    else if (i <= 7) expect((await originCall("DELETE", `/api/events/${eventId}/session`, { token })).status).toBe(200);
  }
  // 11..15 buy, 16..20 never claim; 26 buys, 27..30 never claim
  for (const i of [11, 12, 13, 14, 15, 26]) await buy(await claimTurn(fans[i - 1]!), seat(i));
  await app.deps.admission.flushLatency();

  // admissions pause; ten more fans join (31..40) and are still in line at the end
  expect((await originCall("POST", `/admin/events/${eventId}/queue/pause`, { headers: admin() })).status).toBe(200);
  await joinFans(h.redis, eventId, 10, clock.now(), "late");
  // claim windows close; a sample every second for 12 s (the claim log is copied on the way)
  clock.advance(30_000);
  await tick(12, 1000);
});

afterAll(async () => {
  await app.deps.admission.scheduler.stop();
  origin.stop(true);
  await bridge.stop();
  await h.close();
});

const reportOf = async (path = "report") => {
  const res = await call(env, `/admin/events/${eventId}/${path}`, { headers: admin() });
  expect(res.status).toBe(200);
  return res;
};

describe("the sale report", () => {
  test("counts what the sale did: joined, admitted, abandoned in line and after admission, bought", async () => {
    const report = (await (await reportOf()).json()) as SaleReport;
    expect(report).toMatchObject({ eventId, status: "paused" });
    expect(report.fans).toEqual({ joined: 40, admitted: 25, stillWaiting: 10, abandonedInLine: 5, neverClaimed: 11, stillToClaim: 0, claimedNotBought: 2, stillShopping: 1, bought: 11 });
    expect(report.purchases).toEqual({ orders: 11, refunded: 0, tickets: 11 });
  });

  test("time in line is admission minus join: 10 fans at 0 ms, 10 at 200 ms, 5 at 400 ms", async () => {
    const { timeInLine } = (await (await reportOf()).json()) as SaleReport;
    expect(timeInLine).toEqual({ measured: 25, estimated: 0, p50Ms: 200, p90Ms: 400, p99Ms: 400 });
  });

  test("each tenth of the line by queue number: its share admitted and its share that bought", async () => {
    const { deciles } = (await (await reportOf()).json()) as SaleReport;
    expect(deciles.map((d) => [d.decile, d.fromNumber, d.toNumber, d.fans, d.admitted, d.bought])).toEqual([
      [1, 1, 4, 4, 4, 4],
      [2, 5, 8, 4, 4, 1],
      [3, 9, 12, 4, 4, 2],
      [4, 13, 16, 4, 4, 3],
      [5, 17, 20, 4, 4, 0],
      [6, 21, 24, 4, 0, 0],
      [7, 25, 28, 4, 3, 1],
      [8, 29, 32, 4, 2, 0],
      [9, 33, 36, 4, 0, 0],
      [10, 37, 40, 4, 0, 0],
    ]);
    expect(deciles[2]).toMatchObject({ admittedShare: 1, boughtShare: 0.5 });
    expect(deciles[6]).toMatchObject({ admittedShare: 0.75, boughtShare: 0.25 });
  });

  test("the whole sale is sampled in MySQL every few seconds: line, admissions, sales and purchase latency", async () => {
    const { timeline, sale } = (await (await reportOf()).json()) as SaleReport;
    expect(timeline.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < timeline.length; i++) expect(timeline[i]!.t - timeline[i - 1]!.t).toBeGreaterThanOrEqual(5000);
    expect(timeline.at(-1)).toMatchObject({ status: "paused", waiting: 10, joined: 40, admitted: 25, sold: 11, admittedPerSec: 0 });
    expect(timeline[0]).toMatchObject({ joined: 0, admitted: 0, joinsPerSec: null });
    expect(sale.samples).toBe(timeline.length);
    expect(sale.admittedPerSecPeak).toBeGreaterThan(0);
    expect(sale.dbPurchases).toBe(11);
    expect(sale.dbP95MsPeak).toBeGreaterThan(0);
  });

  test("the CSV holds the same numbers", async () => {
    const res = await reportOf("report.csv");
    expect(res.headers.get("content-type")).toStartWith("text/csv");
    const [header, ...rows] = (await res.text()).trimEnd().split("\r\n").map((line) => line.split(","));
    expect(header).toEqual(["section", "key", "metric", "value"]);
    const value = (section: string, key: string, metric: string) => rows.find((r) => r[0] === section && r[1] === key && r[2] === metric)?.[3];
    const report = (await (await reportOf()).json()) as SaleReport;
    const text = (v: unknown) => (v === null ? "" : String(v));
    for (const [metric, v] of Object.entries(report.fans)) expect(value("fans", "", metric)).toBe(text(v));
    for (const [metric, v] of Object.entries(report.timeInLine)) expect(value("timeInLine", "", metric)).toBe(text(v));
    for (const [metric, v] of Object.entries(report.purchases)) expect(value("purchases", "", metric)).toBe(text(v));
    for (const d of report.deciles) {
      expect(Number(value("decile", String(d.decile), "admittedShare"))).toBe(d.admittedShare);
      expect(Number(value("decile", String(d.decile), "boughtShare"))).toBe(d.boughtShare);
      expect(Number(value("decile", String(d.decile), "fans"))).toBe(d.fans);
    }
    expect(rows.filter((r) => r[0] === "timeline" && r[2] === "waiting").length).toBe(report.timeline.length);
  });

  test("?format=csv answers as /report.csv and ?format=json as /report; another format is a 400 JSON", async () => {
    // generatedAt is the one number that differs between two reports of a finished sale
    const csvRows = async (path: string) => {
      const res = await reportOf(path);
      expect(res.headers.get("content-type")).toStartWith("text/csv");
      expect(res.headers.get("content-disposition")).toBe(`attachment; filename="sale-report-${eventId}.csv"`);
      return (await res.text()).split("\r\n").filter((line) => !line.includes("generatedAt"));
    };
    expect(await csvRows("report?format=csv")).toEqual(await csvRows("report.csv"));
    const jsonOf = async (path: string) => {
      const res = await reportOf(path);
      expect(res.headers.get("content-type")).toStartWith("application/json");
      const { generatedAt, ...rest } = (await res.json()) as SaleReport;
      expect(generatedAt).toBeGreaterThan(0);
      return rest;
    };
    expect(await jsonOf("report?format=json")).toEqual(await jsonOf("report"));
    for (const format of ["xml", "CSV", "", "csv,json"]) {
      const res = await call(env, `/admin/events/${eventId}/report?format=${format}`, { headers: admin() });
      expect(res.status, format).toBe(400);
      expect(res.headers.get("content-type")).toStartWith("application/json");
      const body = (await res.json()) as { code: string; message: string };
      expect(body.code).toBe("INVALID_REQUEST");
      expect(body.message).toContain("format");
    }
  });

  test("the signed report verifies against the edge's JWKS, and not once one byte of it changes", async () => {
    const signed = (await (await reportOf("report.jws")).json()) as { payload: string; protected: string; signature: string; detached: string };
    const jwks = createLocalJWKSet((await (await call(env, "/.well-known/jwks.json")).json()) as JSONWebKeySet);
    const verified = await flattenedVerify(signed, jwks);
    expect(verified.protectedHeader).toMatchObject({ alg: "ES256", b64: false, typ: "sale-report+json" });
    const report = JSON.parse(new TextDecoder().decode(verified.payload)) as SaleReport;
    expect(report.fans.bought).toBe(11);
    // the detached form is the same signature
    const [protectedHeader, empty, signature] = signed.detached.split(".");
    expect(empty).toBe("");
    await flattenedVerify({ protected: protectedHeader!, payload: signed.payload, signature: signature! }, jwks);

    const tampered = signed.payload.replace('"bought":11', '"bought":12');
    expect(tampered).not.toBe(signed.payload);
    await expect(flattenedVerify({ ...signed, payload: tampered }, jwks)).rejects.toThrow();
    const oneByte = signed.payload.slice(0, -2) + (signed.payload.at(-2) === "]" ? "}" : "]") + signed.payload.at(-1);
    await expect(flattenedVerify({ ...signed, payload: oneByte }, jwks)).rejects.toThrow();
  });

  test("an unknown event is 404 JSON, as JSON, CSV and signed; the report needs the admin key", async () => {
    for (const path of ["report", "report.csv", "report.jws"]) {
      const res = await call(env, `/admin/events/no-such-${eventId}/${path}`, { headers: admin() });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ code: "EVENT_NOT_FOUND", message: expect.any(String) });
      const anonymous = await call(env, `/admin/events/${eventId}/${path}`, { headers: { authorization: "Bearer wrong" } });
      expect(anonymous.status).toBe(401);
    }
  });

  test("a sale of any length keeps at most the cap of rows per event, evenly spread over all of it", async () => {
    const id = `${eventId}-long`;
    h.createdEvents.push(id);
    const writer = new SaleSampleWriter({ pool: h.database.pool, redis: h.redis, everyMs: 1000, maxRows: 10 });
    const start = Date.now();
    const sample = (i: number) => ({ t: start + i * 1000, status: "open", waiting: 0, target: 1, sold: 0, admitted: i, lastNumber: i });
    for (let i = 0; i <= 100; i++) await writer.observe(id, sample(i));
    const [rows] = (await h.database.pool.query("SELECT admitted_total AS admitted FROM sale_samples WHERE event_id = ? ORDER BY at", [id])) as unknown as [Array<{ admitted: number }>];
    expect(rows.length).toBeLessThanOrEqual(10);
    expect(rows[0]!.admitted).toBe(0);
    expect(rows.at(-1)!.admitted).toBeGreaterThanOrEqual(80);
    // a leader taking over carries on at the spacing the rows were thinned to
    const next = new SaleSampleWriter({ pool: h.database.pool, redis: h.redis, everyMs: 1000, maxRows: 10 });
    for (let i = 101; i <= 200; i++) await next.observe(id, sample(i));
    const [after] = (await h.database.pool.query("SELECT admitted_total AS admitted FROM sale_samples WHERE event_id = ? ORDER BY at", [id])) as unknown as [Array<{ admitted: number }>];
    expect(after.length).toBeLessThanOrEqual(10);
    expect(after[0]!.admitted).toBe(0);
    expect(after.at(-1)!.admitted).toBeGreaterThanOrEqual(160);
  });
});
