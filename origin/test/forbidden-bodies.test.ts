/**
 * Property: any request body the origin's OpenAPI document forbids for a route (an extra
 * property, a property of the wrong type, a JSON value that is not the object, a required
 * body or property left out, or the body under another content type) is answered 400
 * with `{ code, message }`, and changes nothing in Redis or MySQL. Bodies are built from a
 * valid one per route, so only the forbidden part can be the reason for the refusal;
 * each mutant is checked against the document's schema (ajv) before it is sent.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { globalKeys } from "../../common/keys.ts";
import { snapshot } from "../../chaos/support/state.ts";
import { Contract } from "../../test/helpers/contract.ts";
import { Harness, scratchCapacityEnvironment } from "./support/harness.ts";
import { uniqueEventId } from "../../test/kit/event-ids.ts";

let h: Harness;
let contract: Contract;
let openless: string;
const capacity = scratchCapacityEnvironment("forbidden");
const { environment } = capacity;
const newEventPrefix = `t-fb-${Date.now().toString(36)}`;
const RUNS = Number(process.env.FORBIDDEN_BODY_RUNS ?? 100);

beforeAll(async () => {
  capacity.enter();
  h = await Harness.create("forbidden", { event: { holdSeconds: 120 } });
  openless = uniqueEventId("forbidden-noqueue");
  await h.createEvent({ id: openless });
  contract = await Contract.load((await h.call("GET", "/swagger/json")).body);
});
afterAll(async () => {
  await capacity.leave(h.redis);
  await h.close();
});

interface Route {
  operationId: string;
  method: string;
  path: () => string;
  /** a body the route accepts */
  valid: () => Record<string, unknown>;
  headers: () => Record<string, string>;
}

const NOT_JSON_TYPES = ["text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=zz", "application/octet-stream", "application/xml", "none"];

/** The JSON text of `base` with one more property, spelled as given (`__proto__` stays an own key). */
function withProperty(base: Record<string, unknown>, key: string, value: unknown): string {
  const inner = JSON.stringify(base).slice(1, -1);
  return `{${inner}${inner ? "," : ""}${JSON.stringify(key)}:${JSON.stringify(value)}}`;
}

type Mutant = { text: string | undefined; contentType: string; what: string };

function mutants(route: Route, accepts: (body: unknown) => boolean): fc.Arbitrary<Mutant> {
  const base = route.valid();
  const known = Object.keys(base);
  const json = (text: string | undefined, what: string): Mutant => ({ text, contentType: "application/json", what });
  const extra = fc
    .tuple(fc.oneof(fc.constantFrom("__proto__", "constructor", "prototype", "amountCents", "admin", "seatIds ", "id\u0000"), fc.string({ minLength: 1, maxLength: 12 })), fc.jsonValue({ maxDepth: 2 }))
    .filter(([key]) => !known.includes(key) && key !== "toString" && key !== "valueOf")
    .map(([key, value]) => json(withProperty(base, key, value), `extra property ${JSON.stringify(key)}`));
  const wrongType = fc
    .tuple(fc.constantFrom(...(known.length > 0 ? known : ["x"])), fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom("4", "1.5", 4.5, -1, 0, true, null, [], {}, "")))
    .map(([key, value]) => ({ ...base, [key]: value }))
    .filter((body) => !accepts(body))
    .map((body) => json(JSON.stringify(body), `wrong value ${JSON.stringify(body).slice(0, 80)}`));
  const notObject = fc
    .oneof(fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }), fc.string({ maxLength: 10 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null))
    .map((value) => json(JSON.stringify(value), `not an object: ${JSON.stringify(value).slice(0, 40)}`));
  const otherType = fc.constantFrom(...NOT_JSON_TYPES).map((contentType) => ({ text: JSON.stringify(base), contentType, what: `valid JSON as ${contentType}` }));
  const missing = [
    ...(!accepts(undefined) ? [fc.constant(json(undefined, "no body"))] : []),
    ...known
      .map((key) => {
        const { [key]: _, ...rest } = base;
        return rest;
      })
      .filter((rest) => !accepts(rest))
      .map((rest) => fc.constant(json(JSON.stringify(rest), `required property missing: ${JSON.stringify(rest)}`))),
  ];
  return fc.oneof(extra, wrongType, notObject, otherType, ...missing);
}

async function send(route: Route, mutant: Mutant) {
  const headers: Record<string, string> = { ...h.edgeHeaders(), ...route.headers() };
  const request = new Request(`http://origin.test${route.path()}`, { method: route.method, headers, body: mutant.text });
  if (mutant.contentType === "none") request.headers.delete("content-type");
  else request.headers.set("content-type", mutant.contentType);
  const response = await h.app.handle(request);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // the assertion shows it
  }
  return { status: response.status, body };
}

describe("bodies the document forbids", () => {
  test("get 400 { code, message } on every route that takes a body, and change nothing", async () => {
    const admin = { authorization: `Bearer ${h.config.adminKey}` };
    const e = h.eventId;
    expect((await h.call("POST", `/admin/events/${e}/queue`, { headers: admin })).status).toBe(201);
    const [fan] = await h.sessions(1);
    const held = await h.hold(fan!.token, ["A-2-9"]);
    expect(held.status).toBe(201);
    const fanHeaders = { authorization: `Bearer ${fan!.token}` };
    const rule = await h.call("POST", `/admin/events/${e}/bypass-rules`, { headers: admin, body: { kind: "header", label: "crew" } });
    expect(rule.status).toBe(201);
    let n = 0;
    const ceremony = { ceremony: "c".repeat(22), response: { id: "AAAA", rawId: "AAAA", type: "public-key", response: { clientDataJSON: "AAAA" }, clientExtensionResults: {} } };
    const routes: Route[] = [
      { operationId: "postApiEventsByEventIdHolds", method: "POST", path: () => `/api/events/${e}/holds`, valid: () => ({ seatIds: ["A-1-1"] }), headers: () => fanHeaders },
      { operationId: "postApiEventsByEventIdHoldsBestAvailable", method: "POST", path: () => `/api/events/${e}/holds/best-available`, valid: () => ({ quantity: 1 }), headers: () => fanHeaders },
      {
        operationId: "postApiEventsByEventIdHoldsByHoldIdPurchase",
        method: "POST",
        path: () => `/api/events/${e}/holds/${held.body.holdId}/purchase`,
        valid: () => ({ paymentMethod: "sim_approve" }),
        headers: () => ({ ...fanHeaders, "idempotency-key": `forbidden-${n++}` }),
      },
      {
        operationId: "postAdminEvents",
        method: "POST",
        path: () => "/admin/events",
        valid: () => ({ id: `${newEventPrefix}-x`, name: "n", venue: "v", startsAt: "2030-01-01T20:00:00.000Z", perOrderLimit: 2, holdSeconds: 30, sections: [{ name: "A", rows: 1, seatsPerRow: 1, tier: "t", priceCents: 1 }] }),
        headers: () => admin,
      },
      { operationId: "postAdminEventsByEventIdQueue", method: "POST", path: () => `/admin/events/${openless}/queue`, valid: () => ({ maxActive: 10 }), headers: () => admin },
      { operationId: "patchAdminEventsByEventIdQueue", method: "PATCH", path: () => `/admin/events/${e}/queue`, valid: () => ({ maxActive: 9 }), headers: () => admin },
      { operationId: "postAdminEventsByEventIdQueueClose", method: "POST", path: () => `/admin/events/${e}/queue/close`, valid: () => ({ reason: "closed" }), headers: () => admin },
      { operationId: "patchAdminEventsByEventIdLimits", method: "PATCH", path: () => `/admin/events/${e}/limits`, valid: () => ({ customerLimit: 6 }), headers: () => admin },
      { operationId: "postAdminCapacityMeasure", method: "POST", path: () => "/admin/capacity/measure", valid: () => ({ levelMs: 200 }), headers: () => admin },
      { operationId: "postAdminEventsByEventIdAccess-codes", method: "POST", path: () => `/admin/events/${e}/access-codes`, valid: () => ({ uses: 2, label: "press" }), headers: () => admin },
      { operationId: "postAdminEventsByEventIdBypass-rules", method: "POST", path: () => `/admin/events/${e}/bypass-rules`, valid: () => ({ kind: "ip", label: "monitor", cidr: "198.51.100.0/24" }), headers: () => admin },
      { operationId: "patchAdminEventsByEventIdBypass-rulesByRuleId", method: "PATCH", path: () => `/admin/events/${e}/bypass-rules/${rule.body.rule.id}`, valid: () => ({ enabled: false }), headers: () => admin },
      { operationId: "putAdminEventsByEventIdQueueCovers", method: "PUT", path: () => `/admin/events/${e}/queue/covers`, valid: () => ({ events: [openless], paths: [`/events/${openless}/vip`] }), headers: () => admin },
      { operationId: "putApiEventsByEventIdHoldsByHoldIdSeats", method: "PUT", path: () => `/api/events/${e}/holds/${held.body.holdId}/seats`, valid: () => ({ seatIds: ["A-2-8"] }), headers: () => fanHeaders },
      { operationId: "putAdminEventsByEventIdPage-templatesByKind", method: "PUT", path: () => `/admin/events/${e}/page-templates/paused`, valid: () => ({ html: "<p>Paused: {{position}}</p>" }), headers: () => admin },
      { operationId: "postQueueByEventIdIdentityEmail", method: "POST", path: () => `/queue/${e}/identity/email`, valid: () => ({ email: "fan@example.com" }), headers: () => ({}) },
      { operationId: "postQueueByEventIdIdentityEmailVerify", method: "POST", path: () => `/queue/${e}/identity/email/verify`, valid: () => ({ email: "fan@example.com", code: "123456" }), headers: () => ({}) },
      { operationId: "postQueueByEventIdIdentityPasskeyRegisterOptions", method: "POST", path: () => `/queue/${e}/identity/passkey/register/options`, valid: () => ({}), headers: () => ({}) },
      { operationId: "postQueueByEventIdIdentityPasskeyLoginOptions", method: "POST", path: () => `/queue/${e}/identity/passkey/login/options`, valid: () => ({}), headers: () => ({}) },
      { operationId: "postQueueByEventIdIdentityPasskeyRegister", method: "POST", path: () => `/queue/${e}/identity/passkey/register`, valid: () => ceremony, headers: () => ({}) },
      { operationId: "postQueueByEventIdIdentityPasskeyLogin", method: "POST", path: () => `/queue/${e}/identity/passkey/login`, valid: () => ceremony, headers: () => ({}) },
      {
        operationId: "postEdgeEventsByEventIdAccess-codesRedemptions",
        method: "POST",
        path: () => `/edge/events/${e}/access-codes/redemptions`,
        valid: () => ({ codeHash: "0".repeat(64), ticketId: "forbidden-ticket" }),
        headers: () => ({}),
      },
    ];
    // every operation of the document that takes a body is here
    const withBodies = Object.values(contract.document.paths as Record<string, Record<string, any>>).flatMap((item) => Object.values(item).filter((op) => op.requestBody).map((op) => op.operationId));
    expect(routes.map((r) => r.operationId).sort()).toEqual(withBodies.sort());

    const before = await snapshot(h, [e, openless]);
    const answers = new Map<string, number>();
    for (const route of routes) {
      const accepts = contract.acceptsBody(route.operationId);
      expect(accepts(route.valid())).toBe(true);
      await fc.assert(
        fc.asyncProperty(mutants(route, accepts), async (mutant) => {
          const reply = await send(route, mutant);
          const seen = { route: route.operationId, what: mutant.what, status: reply.status, body: reply.body };
          expect(seen).toEqual({ ...seen, status: 400, body: { code: expect.stringMatching(/^INVALID_(BODY|REQUEST)$/), message: expect.any(String) } });
          const code = (reply.body as { code: string }).code;
          answers.set(code, (answers.get(code) ?? 0) + 1);
        }),
        { numRuns: RUNS },
      );
    }
    expect(await snapshot(h, [e, openless])).toEqual(before);
    expect(await h.redis.exists(globalKeys.capacity(environment))).toBe(0);
    const [rows] = (await h.database.pool.query("SELECT COUNT(*) AS n FROM events WHERE id LIKE ?", [`${newEventPrefix}%`])) as unknown as [[{ n: number }]];
    expect(Number(rows[0].n)).toBe(0);
    console.log(`forbidden bodies: ${routes.length} routes x ${RUNS} runs, answers ${JSON.stringify(Object.fromEntries(answers))}`);
  }, 120_000);
});
