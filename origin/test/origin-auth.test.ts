/** Fan routes answer only requests that came through the edge (X-Origin-Auth), in addition to the token. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { parseConfig } from "../src/config.ts";
import { Harness, errorShape } from "./support/harness.ts";

const current = "current-origin-secret-0123456789";
const previous = "previous-origin-secret-012345678";
let h: Harness;

beforeAll(async () => {
  h = await Harness.create("edgeauth", { config: { originAuthSecrets: [current, previous] } });
});
afterAll(() => h.close());

async function holdWith(originAuth: Record<string, string>) {
  const [fan] = await h.sessions(1);
  return h.call("POST", `/api/events/${h.eventId}/holds`, { token: fan!.token, body: { seatIds: ["A-1-1"] }, headers: originAuth });
}

describe("origin authentication", () => {
  test("a valid active token sent straight to the origin, without the edge's secret, is refused and holds nothing", async () => {
    for (const headers of [{ "x-origin-auth": "" }, { "x-origin-auth": "guess-guess-guess-guess" }, { "x-origin-auth": `${current}x` }]) {
      const r = await holdWith(headers);
      expect(r.status).toBe(401);
      expect(r.body).toEqual(errorShape);
      expect(r.body.code).toBe("NOT_FROM_EDGE");
    }
    expect((await h.seatStatuses())["A-1-1"]).toBe("available");
  });

  test("both secrets pass during a rotation", async () => {
    const viaNew = await holdWith({ "x-origin-auth": current });
    expect(viaNew.status).toBe(201);
    const [fan] = await h.sessions(1);
    const viaOld = await h.call("GET", `/api/events/${h.eventId}/seats`, { token: fan!.token, headers: { "x-origin-auth": previous } });
    expect(viaOld.status).toBe(200);
  });

  test("health probes need no secret", async () => {
    expect((await h.call("GET", "/health", { headers: { "x-origin-auth": "" } })).status).toBe(200);
  });

  test("config: comma-separated secrets; short ones refused; required in production", () => {
    const base = { ADMIN_KEY: "admin-key-admin-key-1234", ACTIVE_JWKS: process.env.ACTIVE_JWKS! };
    expect(parseConfig({ ...base, ORIGIN_AUTH_SECRET: `${current}, ${previous}` }).originAuthSecrets).toEqual([current, previous]);
    expect(() => parseConfig({ ...base, ORIGIN_AUTH_SECRET: "short" })).toThrow(/ORIGIN_AUTH_SECRET each secret must be at least 16 characters/);
    expect(() => parseConfig({ ...base, NODE_ENV: "production" })).toThrow(/ORIGIN_AUTH_SECRET is required in production/);
    expect(parseConfig(base).originAuthSecrets).toEqual([]);
  });
});
