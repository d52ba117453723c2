/**
 * The origin's OpenAPI document and the origin cannot drift: every documented operation
 * is driven on its happy path and on documented errors, and every real response (status,
 * content type, headers, body) is validated against /swagger/json.
 */
import { accessCodeHash } from "../../common/access.ts";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { globalKeys } from "../../common/keys.ts";
import { Contract } from "../../test/helpers/contract.ts";
import { startSmtp, type LocalSmtp } from "../../test/kit/smtp.ts";
import { softPasskey } from "../../test/kit/soft-passkey.ts";
import { Harness, scratchCapacityEnvironment } from "./support/harness.ts";
import { uniqueEventId } from "../../test/kit/event-ids.ts";

let h: Harness;
let contract: Contract;
let smtp: LocalSmtp;
const capacity = scratchCapacityEnvironment("contract");
const problems: string[] = [];

beforeAll(async () => {
  capacity.enter();
  // a local mail server, so the identity step's email code has somewhere to go
  smtp = await startSmtp();
  const mail = { host: "127.0.0.1", port: smtp.port, secure: false, user: null, password: null, from: "Concert-U <tickets@localhost>", concurrency: 2, retries: 0, timeZone: "UTC" };
  h = await Harness.create("contract", { event: { holdSeconds: 60, perOrderLimit: 4 }, config: { mail } });
  contract = await Contract.load((await h.call("GET", "/swagger/json")).body);
});
afterAll(async () => {
  await capacity.leave(h.redis);
  await h.close();
  await smtp.stop();
});

/** One request through the app, its response checked against the document; answers the parsed body. */
async function call(method: string, path: string, init: { token?: string; admin?: boolean; body?: unknown; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...h.edgeHeaders(), ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.admin) headers.authorization = `Bearer ${h.config.adminKey}`;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const response = await h.app.handle(new Request(`http://origin.test${path}`, { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) }));
  const text = await response.text();
  problems.push(...contract.problems(method, path, { status: response.status, headers: response.headers, text }));
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // plain text (metrics)
  }
  return { status: response.status, body };
}

describe("the origin answers as its OpenAPI document says", () => {
  test("every operation, on its happy path and its documented errors", async () => {
    const e = h.eventId;
    const [fan, rival] = await h.sessions(2);
    const [stranger] = await h.sessions(1, 600, uniqueEventId("contract-none"));
    const f = fan!.token;

    // health
    expect((await call("GET", "/health")).status).toBe(200);
    expect((await call("GET", "/ready")).status).toBe(200);
    expect((await call("GET", "/metrics")).status).toBe(200);

    // events
    expect((await call("GET", `/api/events/${e}`, { token: f })).status).toBe(200);
    expect((await call("GET", `/api/events/${e}`)).status).toBe(401);
    expect((await call("GET", `/api/events/${e}`, { token: stranger!.token })).status).toBe(403);
    expect((await call("GET", `/api/events/bad%20id`, { token: f })).status).toBe(400);
    expect((await call("GET", `/api/events/${e}/seats`, { token: f })).status).toBe(200);
    expect((await call("GET", `/api/events/${e}/seats`)).status).toBe(401);
    expect((await call("GET", `/api/events/${e}/seats/status`, { token: f })).status).toBe(200);
    expect((await call("GET", `/api/events/${e}/seats/status`, { token: stranger!.token })).status).toBe(403);

    // holds
    const held = await call("POST", `/api/events/${e}/holds`, { token: f, body: { seatIds: ["A-1-1", "A-1-2"] } });
    expect(held.status).toBe(201);
    expect((await call("POST", `/api/events/${e}/holds`, { token: rival!.token, body: { seatIds: ["A-1-2"] } })).status).toBe(409);
    expect((await call("POST", `/api/events/${e}/holds`, { token: f, body: { seatIds: ["Z-9-9"] } })).status).toBe(400);
    expect((await call("POST", `/api/events/${e}/holds`, { body: { seatIds: ["A-1-3"] } })).status).toBe(401);
    expect((await call("GET", `/api/events/${e}/holds`, { token: f })).body.holds.length).toBe(1);
    expect((await call("GET", `/api/events/${e}/holds`)).status).toBe(401);
    const best = await call("POST", `/api/events/${e}/holds/best-available`, { token: rival!.token, body: { quantity: 1 } });
    expect(best.status).toBe(201);
    expect((await call("POST", `/api/events/${e}/holds/best-available`, { token: rival!.token, body: { quantity: 1, tier: "none" } })).status).toBe(400);
    expect((await call("DELETE", `/api/events/${e}/holds/${best.body.holdId}`, { token: rival!.token })).status).toBe(200);
    const second = await call("POST", `/api/events/${e}/holds`, { token: f, body: { seatIds: ["A-1-5"] } });
    expect((await call("DELETE", `/api/events/${e}/holds/${second.body.holdId}`, { token: rival!.token })).status).toBe(403);
    // more time on a hold, once
    expect((await call("POST", `/api/events/${e}/holds/${second.body.holdId}/extend`, { token: f })).status).toBe(200);
    expect((await call("POST", `/api/events/${e}/holds/${second.body.holdId}/extend`, { token: f })).status).toBe(409);
    // change its seats, keeping the deadline
    const swapped = await call("PUT", `/api/events/${e}/holds/${second.body.holdId}/seats`, { token: f, body: { seatIds: ["A-1-6"] } });
    expect(swapped.status).toBe(200);
    expect(swapped.body.seatIds).toEqual(["A-1-6"]);
    expect((await call("PUT", `/api/events/${e}/holds/${second.body.holdId}/seats`, { token: f, body: { seatIds: ["A-1-1"] } })).status).toBe(409);
    expect((await call("PUT", `/api/events/${e}/holds/${second.body.holdId}/seats`, { token: f, body: { seatIds: ["Z-9-9"] } })).status).toBe(400);
    expect((await call("PUT", `/api/events/${e}/holds/${second.body.holdId}/seats`, { token: rival!.token, body: { seatIds: ["A-1-7"] } })).status).toBe(403);
    expect((await call("DELETE", `/api/events/${e}/holds/${second.body.holdId}`, { token: f })).status).toBe(200);
    expect((await call("DELETE", `/api/events/${e}/holds/${second.body.holdId}`, { token: f })).status).toBe(410);
    expect((await call("PUT", `/api/events/${e}/holds/${second.body.holdId}/seats`, { token: f, body: { seatIds: ["A-1-7"] } })).status).toBe(410);

    // purchases
    const purchase = (holdId: string, key: string, body?: unknown, token = f) => call("POST", `/api/events/${e}/holds/${holdId}/purchase`, { token, body, headers: key ? { "idempotency-key": key } : {} });
    expect((await purchase(held.body.holdId, "")).status).toBe(400);
    const declinedHold = await call("POST", `/api/events/${e}/holds`, { token: rival!.token, body: { seatIds: ["A-2-1"] } });
    expect((await purchase(declinedHold.body.holdId, "contract-declined", { paymentMethod: "sim_decline" }, rival!.token)).status).toBe(402);
    const bought = await purchase(held.body.holdId, "contract-1", { paymentMethod: "sim_approve" });
    expect(bought.status).toBe(201);
    expect((await purchase(held.body.holdId, "contract-1", { paymentMethod: "sim_approve" })).status).toBe(201);
    expect((await purchase("hold_someotherholdid000", "contract-1")).status).toBe(422);
    expect((await purchase("hold_doesnotexist000", "contract-2", undefined, rival!.token)).status).toBe(410);

    // orders
    expect((await call("GET", `/api/orders/${bought.body.orderId}`, { token: f })).status).toBe(200);
    expect((await call("GET", `/api/orders/${bought.body.orderId}`, { token: rival!.token })).status).toBe(404);
    expect((await call("GET", `/api/orders/${bought.body.orderId}`)).status).toBe(401);

    // admin: events, stats, refunds
    const created = uniqueEventId("contract-new");
    h.createdEvents.push(created);
    const eventBody = { id: created, name: "n", venue: "v", startsAt: "2030-01-01T20:00:00.000Z", perOrderLimit: 2, holdSeconds: 30, sections: [{ name: "A", rows: 1, seatsPerRow: 2, tier: "t", priceCents: 100 }] };
    expect((await call("POST", "/admin/events", { admin: true, body: eventBody })).status).toBe(201);
    expect((await call("POST", "/admin/events", { admin: true, body: eventBody })).status).toBe(409);
    expect((await call("POST", "/admin/events", { admin: true, body: { ...eventBody, perOrderLimit: 0 } })).status).toBe(400);
    expect((await call("POST", "/admin/events", { body: eventBody })).status).toBe(401);
    expect((await call("GET", `/admin/events/${e}/stats`, { admin: true })).status).toBe(200);
    expect((await call("GET", `/admin/events/${uniqueEventId("contract-none")}/stats`, { admin: true })).status).toBe(404);
    expect((await call("GET", `/admin/events/${e}/stats`)).status).toBe(401);
    expect((await call("PATCH", `/admin/events/${e}/limits`, { admin: true, body: { customerLimit: 8 } })).status).toBe(200);
    expect((await call("PATCH", `/admin/events/${e}/limits`, { admin: true, body: { customerLimit: null } })).status).toBe(200);
    expect((await call("PATCH", `/admin/events/${e}/limits`, { admin: true, body: { customerLimit: 0 } })).status).toBe(400);
    expect((await call("PATCH", `/admin/events/${uniqueEventId("contract-none")}/limits`, { admin: true, body: { customerLimit: 2 } })).status).toBe(404);
    expect((await call("POST", `/admin/orders/${bought.body.orderId}/cancel`, { admin: true })).status).toBe(200);
    expect((await call("POST", `/admin/orders/${bought.body.orderId}/cancel`, { admin: true })).status).toBe(409);
    expect((await call("POST", `/admin/orders/ord_doesnotexist000/cancel`, { admin: true })).status).toBe(404);

    // waiting room
    const queue = `/admin/events/${e}/queue`;
    expect((await call("GET", queue, { admin: true })).status).toBe(404);
    expect((await call("GET", `/admin/events/${e}/dashboard`, { admin: true })).status).toBe(404);
    expect((await call("POST", queue, { admin: true, body: { rate: 5 } })).status).toBe(201);
    expect((await call("POST", queue, { admin: true })).status).toBe(409);
    expect((await call("GET", queue, { admin: true })).status).toBe(200);
    expect((await call("GET", queue)).status).toBe(401);
    expect((await call("PATCH", queue, { admin: true, body: { maxActive: 50 } })).status).toBe(200);
    expect((await call("PATCH", queue, { admin: true, body: {} })).status).toBe(400);
    // what the room covers besides its event
    const covers = `${queue}/covers`;
    expect((await call("GET", `/admin/events/${uniqueEventId("contract-none")}/queue/covers`, { admin: true })).status).toBe(404);
    expect((await call("PUT", covers, { admin: true, body: { events: [], paths: [`/events/${e}-night2/presale`] } })).status).toBe(200);
    expect((await call("PUT", covers, { admin: true, body: { events: [e] } })).status).toBe(400);
    expect((await call("GET", covers, { admin: true })).status).toBe(200);
    expect((await call("GET", covers)).status).toBe(401);
    expect((await call("PUT", covers, { admin: true, body: { events: [] } })).status).toBe(200);
    expect((await call("GET", `/admin/events/${e}/dashboard?since=0`, { admin: true })).status).toBe(200);
    expect((await call("GET", `/admin/events/${e}/dashboard?since=-1`, { admin: true })).status).toBe(400);
    expect((await call("POST", `${queue}/pause`, { admin: true })).status).toBe(200);
    expect((await call("POST", `${queue}/resume`, { admin: true })).status).toBe(200);
    // the sale report, as JSON and CSV
    expect((await call("GET", `/admin/events/${e}/report`, { admin: true })).status).toBe(200);
    expect((await call("GET", `/admin/events/${e}/report.csv`, { admin: true })).status).toBe(200);
    expect((await call("GET", `/admin/events/${e}/report?format=csv`, { admin: true })).status).toBe(200);
    expect((await call("GET", `/admin/events/${e}/report?format=json`, { admin: true })).status).toBe(200);
    expect((await call("GET", `/admin/events/${e}/report?format=xml`, { admin: true })).status).toBe(400);
    expect((await call("GET", `/admin/events/${uniqueEventId("contract-none")}/report`, { admin: true })).status).toBe(404);
    expect((await call("GET", `/admin/events/${uniqueEventId("contract-none")}/report.csv`, { admin: true })).status).toBe(404);
    // access codes: the organiser's routes, and the edge recording a redemption
    const codes = `/admin/events/${e}/access-codes`;
    const madeCode = await call("POST", codes, { admin: true, body: { code: "CONTRACT-1", uses: 1 } });
    expect(madeCode.status).toBe(201);
    expect((await call("POST", codes, { admin: true, body: { code: "CONTRACT-1" } })).status).toBe(409);
    expect((await call("POST", codes, { admin: true, body: { uses: 0 } })).status).toBe(400);
    expect((await call("GET", codes, { admin: true })).status).toBe(200);
    expect((await call("GET", codes)).status).toBe(401);
    const redemptions = `/edge/events/${e}/access-codes/redemptions`;
    const codeHash = await accessCodeHash(e, "CONTRACT-1");
    expect((await call("POST", redemptions, { body: { codeHash, ticketId: "contract-t1" } })).status).toBe(201);
    expect((await call("POST", redemptions, { body: { codeHash, ticketId: "contract-t2" } })).status).toBe(403);
    expect((await call("POST", redemptions, { body: { codeHash: "x", ticketId: "contract-t2" } })).status).toBe(400);
    expect((await call("DELETE", `${redemptions}/contract-t1`)).status).toBe(200);
    expect((await call("DELETE", `${redemptions}/bad%20id`)).status).toBe(400);
    expect((await call("DELETE", `${codes}/${madeCode.body.codes[0].id}`, { admin: true })).status).toBe(200);
    expect((await call("DELETE", `${codes}/ac_none`, { admin: true })).status).toBe(404);
    expect((await call("DELETE", `${codes}/ac_none`)).status).toBe(401);
    // bypass rules for staff and monitoring
    const rules = `/admin/events/${e}/bypass-rules`;
    const madeRule = await call("POST", rules, { admin: true, body: { kind: "ip", label: "monitor", cidr: "198.51.100.0/24" } });
    expect(madeRule.status).toBe(201);
    expect((await call("POST", rules, { admin: true, body: { kind: "ip", label: "again", cidr: "198.51.100.0/24" } })).status).toBe(409);
    expect((await call("POST", rules, { admin: true, body: { kind: "ip", label: "bad", cidr: "not-a-range" } })).status).toBe(400);
    expect((await call("GET", rules, { admin: true })).status).toBe(200);
    expect((await call("GET", rules)).status).toBe(401);
    expect((await call("PATCH", `${rules}/${madeRule.body.rule.id}`, { admin: true, body: { enabled: false } })).status).toBe(200);
    expect((await call("PATCH", `${rules}/br_none`, { admin: true, body: { enabled: false } })).status).toBe(404);
    expect((await call("PATCH", `${rules}/${madeRule.body.rule.id}`, { admin: true, body: { cidr: "10.0.0.0/8" } })).status).toBe(400);
    expect((await call("DELETE", `${rules}/${madeRule.body.rule.id}`, { admin: true })).status).toBe(200);
    expect((await call("DELETE", `${rules}/br_none`, { admin: true })).status).toBe(404);
    expect((await call("DELETE", `${rules}/br_none`)).status).toBe(401);
    // the identity step (the edge forwards it): an email's one-time code, then a passkey
    expect((await call("PATCH", queue, { admin: true, body: { identity: "either" } })).status).toBe(200);
    const identity = `/queue/${e}/identity`;
    expect((await call("POST", `${identity}/email`, { body: { email: "fan@example.com" } })).status).toBe(202);
    expect((await call("POST", `${identity}/email`, { body: { email: "not an address" } })).status).toBe(400);
    const [codeMail] = await smtp.received(1);
    const code = /\b(\d{6})\b/.exec(codeMail!.text)![1]!;
    expect((await call("POST", `${identity}/email/verify`, { body: { email: "fan@example.com", code: code === "000000" ? "111111" : "000000" } })).status).toBeGreaterThanOrEqual(400);
    expect((await call("POST", `${identity}/email/verify`, { body: { email: "fan@example.com", code } })).status).toBe(200);
    const site = "https://tickets.example";
    const key = await softPasskey();
    const registering = await call("POST", `${identity}/passkey/register/options`, { headers: { origin: site } });
    expect(registering.status).toBe(200);
    expect((await call("POST", `${identity}/passkey/register/options`, { headers: { origin: "not an origin" } })).status).toBeGreaterThanOrEqual(400);
    expect((await call("POST", `${identity}/passkey/register`, { headers: { origin: site }, body: { ceremony: registering.body.ceremony, response: await key.register(registering.body.options, site) } })).status).toBe(200);
    expect((await call("POST", `${identity}/passkey/register`, { headers: { origin: site }, body: { ceremony: "nope" } })).status).toBe(400);
    const login = await call("POST", `${identity}/passkey/login/options`, { headers: { origin: site } });
    expect(login.status).toBe(200);
    expect((await call("POST", `${identity}/passkey/login/options`, { headers: { origin: "not an origin" } })).status).toBeGreaterThanOrEqual(400);
    expect((await call("POST", `${identity}/passkey/login`, { headers: { origin: site }, body: { ceremony: login.body.ceremony, response: await key.login(login.body.options, site) } })).status).toBe(200);
    expect((await call("POST", `${identity}/passkey/login`, { headers: { origin: site }, body: { ceremony: "nope" } })).status).toBe(400);
    // the waiting list, as the organiser reads it
    expect((await call("GET", `/admin/events/${e}/waitlist`, { admin: true })).status).toBe(200);
    expect((await call("GET", `/admin/events/${e}/waitlist`)).status).toBe(401);
    expect((await call("GET", "/admin/events/bad%20id/waitlist", { admin: true })).status).toBe(400);
    // the organiser's own pages
    const pages = `/admin/events/${e}/page-templates`;
    expect((await call("PUT", `${pages}/paused`, { admin: true, body: { html: "<p>Paused: {{position}}</p>" } })).status).toBe(200);
    expect((await call("PUT", `${pages}/paused`, { admin: true, body: { html: "" } })).status).toBe(400);
    expect((await call("PUT", `${pages}/paused`, { body: { html: "<p>Paused</p>" } })).status).toBe(401);
    expect((await call("GET", pages, { admin: true })).status).toBe(200);
    expect((await call("GET", pages)).status).toBe(401);
    expect((await call("GET", "/admin/events/bad%20id/page-templates", { admin: true })).status).toBe(400);
    expect((await call("PUT", `${pages}/paused`, { admin: true, body: { lang: "ko", html: "<p>잠시 쉬어 갑니다</p>" } })).status).toBe(200);
    expect((await call("PUT", `${pages}/paused`, { admin: true, body: { lang: "fr", html: "<p>Pause</p>" } })).status).toBe(400);
    expect((await call("DELETE", `${pages}/paused?lang=ko`, { admin: true })).status).toBe(200);
    expect((await call("DELETE", `${pages}/paused?lang=fr`, { admin: true })).status).toBe(400);
    expect((await call("DELETE", `${pages}/paused`, { admin: true })).status).toBe(200);
    expect((await call("DELETE", `${pages}/paused`)).status).toBe(401);
    expect((await call("POST", `${queue}/close`, { admin: true, body: { reason: "later" } })).status).toBe(400);
    expect((await call("POST", `${queue}/close`, { admin: true, body: { reason: "closed" } })).status).toBe(200);
    expect((await call("POST", `${queue}/pause`, { admin: true })).status).toBe(409);
    expect((await call("POST", `${queue}/resume`, { admin: true })).status).toBe(409);
    expect((await call("POST", `${queue}/close`)).status).toBe(401);

    // capacity (a short measurement in this file's own environment)
    expect((await call("GET", "/admin/capacity", { admin: true })).status).toBe(404);
    expect((await call("POST", "/admin/capacity/measure", { admin: true })).status).toBe(400);
    expect((await call("POST", "/admin/capacity/measure", { body: {} })).status).toBe(401);
    expect((await call("POST", "/admin/capacity/measure", { admin: true, body: { levelMs: 200, maxConcurrency: 1 } })).status).toBe(200);
    expect((await call("GET", "/admin/capacity", { admin: true })).status).toBe(200);
    expect((await call("GET", "/admin/capacity")).status).toBe(401);

    // leaving
    expect((await call("DELETE", `/api/events/${e}/session`)).status).toBe(401);
    expect((await call("DELETE", `/api/events/${e}/session`, { token: rival!.token })).status).toBe(200);

    expect(problems).toEqual([]);
    // every operation answered on a happy path (2xx), and every one that documents a 4xx on one of them
    const coverage = contract.coverage();
    const missing = Object.entries(coverage).flatMap(([id, statuses]) => {
      const out: string[] = [];
      if (!statuses.some((s) => s < 300)) out.push(`${id}: no 2xx`);
      const documented = Object.keys(contract.document.paths ? operationResponses(id) : {});
      if (documented.some((s) => s.startsWith("4")) && !statuses.some((s) => s >= 400 && s < 500)) out.push(`${id}: no 4xx`);
      return out;
    });
    expect(missing).toEqual([]);
  }, 120_000);
});

describe("the contract check", () => {
  test("finds a response that departs from the document: undocumented status, wrong type, wrong body, unknown route", () => {
    const json = (status: number, body: unknown, type = "application/json") => ({ status, headers: new Headers({ "content-type": type }), text: JSON.stringify(body) });
    const path = `/api/events/${h.eventId}/holds`;
    expect(contract.problems("GET", path, json(200, { holds: [] }))).toEqual([]);
    expect(contract.problems("GET", path, json(418, { code: "X", message: "y" }))[0]).toContain("status not documented");
    expect(contract.problems("GET", path, json(200, { holds: [] }, "text/plain"))[0]).toContain("content type text/plain");
    expect(contract.problems("GET", path, json(200, { holds: [{ holdId: 4 }] })).length).toBeGreaterThan(0);
    expect(contract.problems("GET", path, json(401, { code: "TOKEN_MISSING" }))[0]).toContain("message");
    expect(contract.problems("GET", "/api/nowhere", json(200, {}))[0]).toContain("no documented operation");
    expect(contract.problems("GET", path, json(401, { code: "TOKEN_MISSING", message: "m", stack: "at ..." }))).toContain(`GET ${path} -> 401: body/stack is not in the document`);
  });
});

function operationResponses(operationId: string): Record<string, unknown> {
  for (const item of Object.values(contract.document.paths as Record<string, Record<string, any>>)) {
    for (const op of Object.values(item)) if (op?.operationId === operationId) return op.responses ?? {};
  }
  return {};
}
