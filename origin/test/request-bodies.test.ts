/**
 * Every route takes exactly the body its schema documents: a JSON object (Content-Type
 * application/json), with no property the schema does not name, present when the
 * document says it is required. Anything else is a 400 that changes nothing.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { globalKeys } from "../../common/keys.ts";
import { snapshot } from "../../chaos/support/state.ts";
import { Harness, scratchCapacityEnvironment } from "./support/harness.ts";

setDefaultTimeout(30_000);
let h: Harness;
const capacity = scratchCapacityEnvironment("bodies");
const { environment } = capacity;

beforeAll(async () => {
  capacity.enter();
  h = await Harness.create("bodies", { event: { holdSeconds: 60 } });
});
afterAll(async () => {
  await capacity.leave(h.redis);
  await h.close();
});

const admin = () => ({ authorization: `Bearer ${h.config.adminKey}` });

/** A request with the body exactly as given (string or bytes) and the content type given (or none). */
async function send(method: string, path: string, body: BodyInit | undefined, contentType: string | undefined, headers: Record<string, string> = {}) {
  const request = new Request(`http://origin.test${path}`, { method, headers: { ...h.edgeHeaders(), ...headers }, body });
  if (contentType === undefined) request.headers.delete("content-type");
  else request.headers.set("content-type", contentType);
  const response = await h.app.handle(request);
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as { code: string; message: string } };
}

const refused = (code = expect.stringMatching(/^INVALID_(BODY|REQUEST)$/)) => ({ status: 400, body: { code, message: expect.any(String) } });

describe("request bodies", () => {
  test("a hold with __proto__ or any other property beside seatIds is refused and holds nothing", async () => {
    const [fan] = await h.sessions(1);
    const auth = { authorization: `Bearer ${fan!.token}` };
    const before = await snapshot(h);
    for (const body of ['{"seatIds":["A-1-1"],"__proto__":{"admin":true}}', '{"seatIds":["A-1-1"],"quantity":1}', '{"seatIds":["A-1-1"],"constructor":{"prototype":{}}}']) {
      expect({ body, reply: await send("POST", `/api/events/${h.eventId}/holds`, body, "application/json", auth) }).toEqual({ body, reply: refused() });
    }
    expect(await snapshot(h)).toEqual(before);
    expect((await h.hold(fan!.token, ["A-1-1"])).status).toBe(201);
  });

  test("a purchase with extra fields, __proto__ or an array is refused; the hold stays and nothing is charged", async () => {
    const [fan] = await h.sessions(1);
    const held = await h.hold(fan!.token, ["A-1-5"]);
    expect(held.status).toBe(201);
    const auth = { authorization: `Bearer ${fan!.token}` };
    const before = await snapshot(h);
    const bodies = ['{"paymentMethod":"sim_approve","amountCents":0}', '{"__proto__":{"amountCents":0}}', "[]", '"sim_approve"', "null"];
    for (const [i, body] of bodies.entries()) {
      const reply = await send("POST", `/api/events/${h.eventId}/holds/${held.body.holdId}/purchase`, body, "application/json", { ...auth, "idempotency-key": `bodies-${i}` });
      expect({ body, reply }).toEqual({ body, reply: refused() });
    }
    const asText = await send("POST", `/api/events/${h.eventId}/holds/${held.body.holdId}/purchase`, '{"paymentMethod":"sim_approve"}', "text/plain", { ...auth, "idempotency-key": "bodies-text" });
    expect(asText).toEqual(refused("INVALID_BODY"));
    expect(await snapshot(h)).toEqual(before);
    // the documented body, and no body at all, still buy
    expect((await h.call("POST", `/api/events/${h.eventId}/holds/${held.body.holdId}/purchase`, { token: fan!.token, headers: { "idempotency-key": "bodies-ok" }, body: { paymentMethod: "sim_approve" } })).status).toBe(201);
  });

  test("closing the waiting room takes no array, no extra property and no text/plain body; a text/plain reason never closes it as sold out", async () => {
    expect((await h.call("POST", `/admin/events/${h.eventId}/queue`, { headers: admin() })).status).toBe(201);
    const path = `/admin/events/${h.eventId}/queue/close`;
    const before = await snapshot(h);
    expect(await send("POST", path, "[]", "application/json", admin())).toEqual(refused("INVALID_BODY"));
    expect(await send("POST", path, '{"reason":"closed","now":true}', "application/json", admin())).toEqual(refused("INVALID_REQUEST"));
    expect(await send("POST", path, '{"reason":"closed"}', "text/plain", admin())).toEqual(refused("INVALID_BODY"));
    expect(await send("POST", path, "reason=closed", "application/x-www-form-urlencoded", admin())).toEqual(refused("INVALID_BODY"));
    expect(await send("POST", path, new TextEncoder().encode('{"reason":"closed"}'), undefined, admin())).toEqual(refused("INVALID_BODY"));
    expect(await snapshot(h)).toEqual(before);
    expect((await h.call("GET", `/admin/events/${h.eventId}/queue`, { headers: admin() })).body.status).toBe("open");
    // the documented body closes with the reason given
    expect((await h.call("POST", path, { headers: admin(), body: { reason: "closed" } })).body.status).toBe("closed");
  });

  test("a capacity measurement never starts from an empty or malformed request", async () => {
    const path = "/admin/capacity/measure";
    const attempts = [
      await send("POST", path, undefined, undefined, admin()),
      await send("POST", path, "", "application/json", admin()),
      await send("POST", path, "[]", "application/json", admin()),
      await send("POST", path, '{"levelMs":400,"rounds":1}', "application/json", admin()),
      await send("POST", path, '{"levelMs":"400"}', "application/json", admin()),
      await send("POST", path, "{}", "text/plain", admin()),
    ];
    for (const reply of attempts) expect(reply).toEqual(refused());
    expect(await h.redis.exists(globalKeys.capacity(environment))).toBe(0);
    expect((await h.call("GET", "/admin/capacity", { headers: admin() })).status).toBe(404);
  });

  test("an event body with __proto__ is refused, not merged into the schema's defaults (which took it as the body's prototype)", async () => {
    for (const [i, extra] of ['"__proto__":false', '"__proto__":{"admissionRate":1,"maxActive":1}', '"sections":[{"name":"A","rows":1,"seatsPerRow":1,"tier":"t","priceCents":1,"__proto__":{}}]'].entries()) {
      const id = `${h.eventId.slice(0, 50)}-p${i}`;
      h.createdEvents.push(id);
      const base = { id, name: "n", venue: "v", startsAt: "2030-01-01T20:00:00.000Z", perOrderLimit: 2, holdSeconds: 30, sections: [{ name: "A", rows: 1, seatsPerRow: 1, tier: "t", priceCents: 1 }] };
      const text = extra.startsWith('"sections"') ? JSON.stringify({ ...base, sections: undefined }).slice(0, -1) + `,${extra}}` : JSON.stringify(base).slice(0, -1) + `,${extra}}`;
      expect({ extra, reply: await send("POST", "/admin/events", text, "application/json", admin()) }).toEqual({ extra, reply: refused() });
      const [rows] = (await h.database.pool.query("SELECT COUNT(*) AS n FROM events WHERE id = ?", [id])) as unknown as [[{ n: number }]];
      expect(Number(rows[0].n)).toBe(0);
    }
  });

  test("numbers sent as strings are refused, not converted", async () => {
    const id = `${h.eventId.slice(0, 50)}-str`;
    const body = { id, name: "n", venue: "v", startsAt: "2030-01-01T20:00:00.000Z", perOrderLimit: "4", holdSeconds: 30, sections: [{ name: "A", rows: 1, seatsPerRow: 1, tier: "t", priceCents: 1 }] };
    expect(await h.call("POST", "/admin/events", { headers: admin(), body })).toMatchObject(refused("INVALID_REQUEST"));
    const [rows] = (await h.database.pool.query("SELECT COUNT(*) AS n FROM events WHERE id = ?", [id])) as unknown as [[{ n: number }]];
    expect(Number(rows[0].n)).toBe(0);
  });
});
