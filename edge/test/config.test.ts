import { describe, expect, test } from "bun:test";
import { config, EdgeConfigError, type Env } from "../src/env.ts";
import { call, testEnv } from "./helpers/worker.ts";

const good = () => testEnv("http://127.0.0.1:8079");

describe("edge configuration", () => {
  test("a complete env is accepted with its defaults", () => {
    expect(config(good())).toMatchObject({ sessionTtlSeconds: 900, presenceGraceMs: 300_000, tickMs: 1000 });
    // the claim window is the scheduler's alone (it writes the deadlines): the edge has none to drift
    expect(config(good())).not.toHaveProperty("claimWindowSeconds");
  });

  const broken: Array<[string, Partial<Env>, RegExp]> = [
    ["missing ORIGIN_URL", { ORIGIN_URL: "" }, /ORIGIN_URL is not set/],
    ["malformed ORIGIN_URL", { ORIGIN_URL: "origin:3000" }, /ORIGIN_URL must be an http\(s\) URL/],
    ["malformed UPSTASH_REDIS_REST_URL", { UPSTASH_REDIS_REST_URL: "redis://127.0.0.1:6379" }, /UPSTASH_REDIS_REST_URL must be an http\(s\) URL/],
    ["missing UPSTASH_REDIS_REST_TOKEN", { UPSTASH_REDIS_REST_TOKEN: undefined as unknown as string }, /UPSTASH_REDIS_REST_TOKEN is not set/],
    ["missing TICKET_SECRET", { TICKET_SECRET: " " }, /TICKET_SECRET is not set/],
    ["ACTIVE_SIGNING_KEYS not JSON", { ACTIVE_SIGNING_KEYS: "{oops" }, /ACTIVE_SIGNING_KEYS must be JSON/],
    ["ACTIVE_SIGNING_KEYS holding public keys only", { ACTIVE_SIGNING_KEYS: '[{"kty":"EC","kid":"k1","x":"a","y":"b"}]' }, /each with kid and d/],
    ["a duration that is not a number", { SESSION_TTL_SECONDS: "ten" }, /SESSION_TTL_SECONDS must be a positive number/],
    // tokens older than a day are refused, so none may be issued for longer
    ["a ticket lifetime over a day", { TICKET_TTL_SECONDS: "172800" }, /TICKET_TTL_SECONDS must be at most 86400/],
    ["a session lifetime over a day", { SESSION_TTL_SECONDS: "90000" }, /SESSION_TTL_SECONDS must be at most 86400/],
  ];
  for (const [what, override, message] of broken) {
    test(`${what}: rejected with a message naming the variable`, () => {
      const env = { ...good(), ...override };
      expect(() => config(env)).toThrow(EdgeConfigError);
      expect(() => config(env)).toThrow(message);
    });
  }

  test("a misconfigured Worker answers every request with a JSON 500 and touches nothing", async () => {
    const res = await call({ ...good(), ORIGIN_URL: "" }, "/queue/demo/join", { method: "POST" });
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ code: "EDGE_MISCONFIGURED" });
  });
});
