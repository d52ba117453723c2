import { describe, expect, test } from "bun:test";
import { ConfigError, parseConfig } from "../src/config.ts";

const publicJwks = JSON.stringify({ keys: [{ kty: "EC", crv: "P-256", x: "x", y: "y", kid: "k1", alg: "ES256" }] });
const base = { ADMIN_KEY: "0123456789abcdef0123", ACTIVE_JWKS: publicJwks };

function problem(env: Record<string, string>): string {
  try {
    parseConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("configuration was accepted");
}

describe("parseConfig", () => {
  test("uses the documented defaults", () => {
    const config = parseConfig(base);
    expect(config.redisUrl).toBe("redis://127.0.0.1:6379");
    expect(config.databaseUrl).toBe("mysql://root@127.0.0.1:3306/test");
    expect(config.port).toBe(3000);
    expect(config.activeJwks.kind).toBe("inline");
  });

  test("rejects a malformed REDIS_URL, naming the variable", () => {
    expect(problem({ ...base, REDIS_URL: "not a url" })).toContain("REDIS_URL");
    expect(problem({ ...base, REDIS_URL: "http://127.0.0.1:6379" })).toMatch(/REDIS_URL must use redis:\/\/ or rediss:\/\//);
  });

  test("rejects a malformed DATABASE_URL, naming the variable", () => {
    expect(problem({ ...base, DATABASE_URL: "::::" })).toContain("DATABASE_URL");
    expect(problem({ ...base, DATABASE_URL: "postgres://root@127.0.0.1/test" })).toMatch(/DATABASE_URL must use mysql:\/\//);
    expect(problem({ ...base, DATABASE_URL: "mysql://root@127.0.0.1:3306" })).toMatch(/DATABASE_URL names no database/);
  });

  test("does not echo a password from a malformed URL", () => {
    const message = problem({ ...base, DATABASE_URL: "mysql://root:hunter2@127.0.0.1:3306" });
    expect(message).not.toContain("hunter2");
  });

  test("requires ADMIN_KEY and active token keys", () => {
    expect(problem({ ACTIVE_JWKS: publicJwks })).toContain("ADMIN_KEY is required");
    expect(problem({ ADMIN_KEY: base.ADMIN_KEY })).toContain("ACTIVE_JWKS is required");
  });

  test("accepts ACTIVE_JWKS_URL instead of inline keys", () => {
    const config = parseConfig({ ADMIN_KEY: base.ADMIN_KEY, ACTIVE_JWKS_URL: "http://127.0.0.1:8787/.well-known/jwks.json" });
    expect(config.activeJwks.kind).toBe("remote");
  });

  test("refuses private key material in ACTIVE_JWKS: the origin must not be able to mint tokens", () => {
    const privateJwks = JSON.stringify({ keys: [{ kty: "EC", crv: "P-256", x: "x", y: "y", d: "secret", kid: "k1" }] });
    expect(problem({ ...base, ACTIVE_JWKS: privateJwks })).toMatch(/ACTIVE_JWKS holds private key material/);
    expect(problem({ ...base, ACTIVE_JWKS: "{nope" })).toMatch(/ACTIVE_JWKS is not valid JSON/);
  });

  test("rejects a port that is not a port", () => {
    expect(problem({ ...base, ORIGIN_PORT: "http" })).toMatch(/ORIGIN_PORT must be a whole number/);
    expect(problem({ ...base, ORIGIN_PORT: "70000" })).toMatch(/ORIGIN_PORT must be between 0 and 65535/);
  });
});
