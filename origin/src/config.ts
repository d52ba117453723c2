/**
 * Origin configuration: read once at start from the environment, validated, and refused
 * with a message naming the variable when something is missing or malformed.
 */
import type { JSONWebKeySet } from "jose";

export type PaymentSimulation = "approve" | "decline" | "timeout";

export interface Config {
  redisUrl: string;
  /** REDIS_CLUSTER_NODES (`host:port,host:port`): use a Redis Cluster client seeded with these */
  redisClusterNodes: { host: string; port: number }[];
  databaseUrl: string;
  port: number;
  hostname: string;
  adminKey: string;
  /** public keys the active tokens are verified with; or a URL to fetch them from */
  activeJwks: { kind: "inline"; jwks: JSONWebKeySet } | { kind: "remote"; url: URL };
  /** shared secret the edge sends as X-Origin-Auth (checked by the guard once enforced) */
  /** shared secrets the edge sends in `X-Origin-Auth` (two during a rotation); empty: not enforced */
  originAuthSecrets: string[];
  dbPoolSize: number;
  /** after SIGTERM, how long /ready answers 503 while requests are still served */
  drainSeconds: number;
  /** Bun.serve idleTimeout: above the load balancer's (ALB: 60 s) so the origin never closes first */
  idleTimeoutSeconds: number;
  /** how long a hold is extended while its purchase runs (payment + insert) */
  purchaseWindowSeconds: number;
  paymentTimeoutMs: number;
  /** behaviour of the simulated payment provider */
  paymentSimulation: PaymentSimulation;
  paymentLatencyMs: number;
  /** verified tokens kept in memory until they expire */
  tokenCacheSize: number;
  /** least time between two Redis reads of one event's seat statuses (requests meanwhile share the next) */
  seatReadIntervalMs: number;
  production: boolean;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = "ConfigError";
  }
}

type Env = Record<string, string | undefined>;

function text(env: Env, name: string, fallback?: string): string {
  const value = env[name]?.trim();
  if (value) return value;
  if (fallback !== undefined) return fallback;
  throw new ConfigError(name, "is required but not set");
}

function url(env: Env, name: string, fallback: string, protocols: string[], needsPath = false): string {
  const value = text(env, name, fallback);
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(name, `is not a URL: ${JSON.stringify(redact(value))}`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.map((p) => `${p}//`).join(" or ")}, got ${JSON.stringify(parsed.protocol + "//")}`);
  }
  if (!parsed.hostname) throw new ConfigError(name, "has no host");
  if (needsPath && parsed.pathname.replace(/\//g, "") === "") throw new ConfigError(name, "names no database (expected .../<database>)");
  return value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got ${JSON.stringify(raw)}`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function redact(value: string): string {
  return value.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");
}

function jwks(env: Env): Config["activeJwks"] {
  const inline = env.ACTIVE_JWKS?.trim();
  if (inline) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(inline);
    } catch {
      throw new ConfigError("ACTIVE_JWKS", "is not valid JSON (expected a JWKS: {\"keys\": [...]})");
    }
    const keys = (parsed as { keys?: unknown }).keys;
    if (!Array.isArray(keys) || keys.length === 0) throw new ConfigError("ACTIVE_JWKS", "must be a JWKS with at least one key in \"keys\"");
    for (const key of keys as Array<Record<string, unknown>>) {
      if (typeof key !== "object" || key === null || typeof key.kty !== "string") throw new ConfigError("ACTIVE_JWKS", "holds a key without \"kty\"");
      if (typeof key.kid !== "string") throw new ConfigError("ACTIVE_JWKS", "holds a key without \"kid\"");
      if ("d" in key) throw new ConfigError("ACTIVE_JWKS", `holds private key material (kid ${key.kid}); the origin takes public keys only`);
    }
    return { kind: "inline", jwks: parsed as JSONWebKeySet };
  }
  const remote = env.ACTIVE_JWKS_URL?.trim();
  if (remote) return { kind: "remote", url: new URL(url(env, "ACTIVE_JWKS_URL", remote, ["http:", "https:"])) };
  throw new ConfigError("ACTIVE_JWKS", "is required (or set ACTIVE_JWKS_URL to the edge's /.well-known/jwks.json)");
}

/** ORIGIN_AUTH_SECRET: comma-separated, so the old and new secret both pass during a rotation. */
function originAuthSecrets(env: Env): string[] {
  const secrets = (env.ORIGIN_AUTH_SECRET ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  if (secrets.some((s) => s.length < 16)) throw new ConfigError("ORIGIN_AUTH_SECRET", "each secret must be at least 16 characters");
  if (secrets.length === 0 && env.NODE_ENV === "production") {
    throw new ConfigError("ORIGIN_AUTH_SECRET", "is required in production: the origin must refuse traffic that did not come through the edge");
  }
  return secrets;
}

function clusterNodes(env: Env): Config["redisClusterNodes"] {
  const list = (env.REDIS_CLUSTER_NODES ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  return list.map((node) => {
    const match = /^([^:\s]+):(\d{1,5})$/.exec(node);
    if (!match || Number(match[2]) > 65535) throw new ConfigError("REDIS_CLUSTER_NODES", `must be host:port,host:port..., got ${JSON.stringify(node)}`);
    return { host: match[1]!, port: Number(match[2]) };
  });
}

/** Pure: builds the configuration from an environment, or throws ConfigError. */
export function parseConfig(env: Env): Config {
  const simulation = text(env, "PAYMENT_SIMULATION", "approve");
  if (simulation !== "approve" && simulation !== "decline" && simulation !== "timeout") {
    throw new ConfigError("PAYMENT_SIMULATION", `must be approve, decline or timeout, got ${JSON.stringify(simulation)}`);
  }
  const adminKey = text(env, "ADMIN_KEY");
  if (adminKey.length < 16) throw new ConfigError("ADMIN_KEY", "must be at least 16 characters");
  return {
    redisUrl: url(env, "REDIS_URL", "redis://127.0.0.1:6379", ["redis:", "rediss:"]),
    redisClusterNodes: clusterNodes(env),
    databaseUrl: url(env, "DATABASE_URL", "mysql://root@127.0.0.1:3306/test", ["mysql:"], true),
    port: integer(env, "ORIGIN_PORT", 3000, 0, 65535),
    hostname: text(env, "ORIGIN_HOST", "0.0.0.0"),
    adminKey,
    activeJwks: jwks(env),
    originAuthSecrets: originAuthSecrets(env),
    dbPoolSize: integer(env, "DB_POOL_SIZE", 16, 1, 500),
    drainSeconds: integer(env, "ORIGIN_DRAIN_SECONDS", env.NODE_ENV === "production" ? 20 : 0, 0, 25),
    idleTimeoutSeconds: integer(env, "ORIGIN_IDLE_TIMEOUT_SECONDS", 65, 1, 255),
    purchaseWindowSeconds: integer(env, "PURCHASE_WINDOW_SECONDS", 60, 5, 3600),
    paymentTimeoutMs: integer(env, "PAYMENT_TIMEOUT_MS", 5000, 10, 120_000),
    paymentSimulation: simulation,
    paymentLatencyMs: integer(env, "PAYMENT_LATENCY_MS", 0, 0, 60_000),
    tokenCacheSize: integer(env, "TOKEN_CACHE_SIZE", 100_000, 0, 10_000_000),
    seatReadIntervalMs: integer(env, "SEAT_READ_INTERVAL_MS", 250, 0, 5000),
    production: env.NODE_ENV === "production",
  };
}

/** Reads process.env once; prints the problem and exits when the configuration is invalid. */
export function loadConfig(env: Env = process.env): Config {
  try {
    return parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}
