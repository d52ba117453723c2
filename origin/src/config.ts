/**
 * Origin configuration: read once at start from the environment, validated, and refused
 * with a message naming the variable when something is missing or malformed.
 */
import type { JSONWebKeySet } from "jose";
import { declareVariables, numberBounds } from "../../common/env-variables.ts";

/** Every variable the origin reads (its admission scheduler's are in admission/config.ts): docs/reference/configuration.md is generated from these. */
export const originVariables = declareVariables("origin", {
  REDIS_URL: { default: "redis://127.0.0.1:6379", doc: "the Redis the origin (and the dev bridge) uses; `redis://` or `rediss://`" },
  REDIS_CLUSTER_NODES: { unset: "a single Redis at REDIS_URL", doc: "`host:port,host:port`: use an ioredis Cluster client seeded with these nodes (credentials and TLS from REDIS_URL)" },
  REDIS_COMMAND_TIMEOUT_MS: { default: 3000, min: 100, max: 60_000, doc: "a Redis command not answered within this fails as Redis unavailable (503 SERVICE_UNAVAILABLE)" },
  DATABASE_URL: { default: "mysql://root@127.0.0.1:3306/test", doc: "the MySQL/MariaDB database (`mysql://`, naming the database)" },
  ORIGIN_PORT: { default: 3000, min: 0, max: 65535, doc: "port the origin listens on" },
  ORIGIN_HOST: { default: "0.0.0.0", doc: "address the origin listens on" },
  ADMIN_KEY: { unset: "required (at least 16 characters); generated for local dev", doc: "the organiser/admin API key (`Authorization: Bearer`)" },
  ACTIVE_JWKS: { unset: "required unless ACTIVE_JWKS_URL is set; generated for local dev", doc: "public keys (a JWKS) the active tokens are verified with; private key material is refused" },
  ACTIVE_JWKS_URL: { unset: "ACTIVE_JWKS is used", doc: "instead of ACTIVE_JWKS: fetch the edge's `/.well-known/jwks.json` (jose remote JWKS, kid rotation)" },
  ORIGIN_AUTH_SECRET: { unset: "not enforced; required when NODE_ENV=production; generated for local dev", doc: "secrets (comma-separated during a rotation, each at least 16 characters) one of which `X-Origin-Auth` must carry on fan routes" },
  DB_POOL_SIZE: { default: 16, min: 1, max: 500, doc: "mysql2 pool size per origin instance" },
  ORIGIN_DRAIN_SECONDS: { default: 0, min: 0, max: 25, unset: "20 when NODE_ENV=production, else 0", doc: "after SIGTERM, how long /ready answers 503 while requests are still served (docs/DEPLOY.md)" },
  ORIGIN_IDLE_TIMEOUT_SECONDS: { default: 65, min: 1, max: 255, doc: "keep-alive idle timeout, above the load balancer's (ALB: 60 s) so the origin never closes first" },
  PURCHASE_WINDOW_SECONDS: { default: 60, min: 5, max: 3600, doc: "how long a hold is extended while its purchase runs (payment + insert)" },
  PAYMENT_TIMEOUT_MS: { default: 5000, min: 10, max: 120_000, doc: "a charge not answered within this is voided and the hold released (504)" },
  PAYMENT_SIMULATION: { default: "approve", choices: ["approve", "decline", "timeout"], doc: "what the simulated payment provider answers when a purchase names no `paymentMethod`" },
  PAYMENT_LATENCY_MS: { default: 0, min: 0, max: 60_000, doc: "how long the simulated payment provider takes per charge" },
  TOKEN_CACHE_SIZE: { default: 100_000, min: 0, max: 10_000_000, doc: "verified active tokens kept in memory until they expire" },
  SEAT_READ_INTERVAL_MS: { default: 250, min: 0, max: 5000, doc: "least time between two Redis reads of one event's seat statuses; requests meanwhile share the next read" },
  NODE_ENV: { unset: "not production", doc: "`production` requires ORIGIN_AUTH_SECRET, drains 20 s and refuses RACE_EXPERIMENTS; `test` turns the access log off" },
  LOG_REQUESTS: { unset: "1, or 0 when NODE_ENV=test (`bun test`)", doc: "`0` turns off the one JSON access-log line per request (read by modules/metrics)" },
  SMTP_HOST: { unset: "no turn email is sent (the waiting page offers none to keep)", doc: "the SMTP server the turn email is sent through (docs/COME-BACK.md, \"The turn email\")" },
  SMTP_PORT: { default: 587, min: 1, max: 65535, doc: "its port" },
  SMTP_SECURE: { default: "0", choices: ["0", "1"], doc: "`1`: TLS from the start (port 465); `0`: plain, upgraded with STARTTLS when the server offers it" },
  SMTP_USER: { unset: "no authentication", doc: "SMTP user name" },
  SMTP_PASSWORD: { unset: "no authentication", doc: "SMTP password (with SMTP_USER)" },
  MAIL_FROM: { default: "Concert-U <tickets@localhost>", doc: "the turn email's From" },
  MAIL_CONCURRENCY: { default: 8, min: 1, max: 256, doc: "turn emails sent at once per origin instance (the leader of an event sends its fans')" },
  MAIL_RETRIES: { default: 3, min: 0, max: 10, doc: "times a turn email that failed is tried again (1 s, 2 s, 4 s... later), never after its claim window" },
  MAIL_TIME_ZONE: { default: "UTC", doc: "the IANA time zone the turn email's claim deadline is written in (`Europe/Paris`)" },
  EDGE_PUBLIC_URL: { unset: "the first of WEBAUTHN_ORIGINS, else `http://localhost:8787` (the dev edge)", doc: "the fans' public edge URL (`https://tickets.example.com`): the waiting-list offer email links to `<it>/events/<eventId>`" },
  IDENTITY_SECRET: { unset: "identity routes answer 503 IDENTITY_UNAVAILABLE; generated for local dev", doc: "HMAC secret (at least 16 characters, the same as the edge's) that signs identity proofs and keys the hashes of addresses and passkey user handles; changing it makes every identity a new customer" },
  WEBAUTHN_RP_ID: { unset: "the host the fan's browser shows (the request's Origin header)", doc: "the WebAuthn relying party id passkeys are made for: the fan-facing domain (e.g. `tickets.example.com`)" },
  WEBAUTHN_ORIGINS: { unset: "the request's Origin header, when its host is the relying party id", doc: "comma-separated origins a passkey ceremony may come from (e.g. `https://tickets.example.com`)" },
  RACE_EXPERIMENTS: { unset: "off", doc: "`1` mounts the scratch race route `/experiments/race/*` (refused with NODE_ENV=production; read by app.ts)" },
});
type OriginVariable = keyof typeof originVariables;

export type PaymentSimulation = "approve" | "decline" | "timeout";

export interface Config {
  redisUrl: string;
  /** REDIS_CLUSTER_NODES (`host:port,host:port`): use a Redis Cluster client seeded with these */
  redisClusterNodes: { host: string; port: number }[];
  /** REDIS_COMMAND_TIMEOUT_MS: a command not answered within this rejects as Redis unavailable */
  redisCommandTimeoutMs: number;
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
  /** the turn email: null when no SMTP_HOST is set (none is sent) */
  mail: MailConfig | null;
  /** the fans' public edge URL, no trailing slash: the waiting-list offer email's links start with it */
  edgePublicUrl: string;
  /** the fans' identity step (modules/identity): proof and hash secret, the WebAuthn relying party; its codes go through the same SMTP as the turn email */
  identity: IdentityConfig;
  production: boolean;
}

export interface MailConfig {
  host: string;
  port: number;
  secure: boolean;
  user: string | null;
  password: string | null;
  from: string;
  concurrency: number;
  retries: number;
  timeZone: string;
}

export interface IdentityConfig {
  /** signs proofs and keys the identity hashes; null: the identity routes are unavailable */
  secret: string | null;
  /** null: from the request's Origin */
  rpId: string | null;
  origins: string[];
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

function text(env: Env, name: OriginVariable, fallback?: string): string {
  const value = env[name]?.trim();
  if (value) return value;
  if (fallback !== undefined) return fallback;
  throw new ConfigError(name, "is required but not set");
}

function url(env: Env, name: OriginVariable, fallback: string, protocols: string[], needsPath = false): string {
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

/** A whole number within the bounds `originVariables` declares for it; unset is its declared default (or `fallback`). */
function integer(env: Env, name: OriginVariable, fallback?: number): number {
  const declared = numberBounds("origin", name, originVariables[name]);
  const { min, max } = declared;
  fallback ??= declared.default;
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

function identityConfig(env: Env): IdentityConfig {
  const secret = env.IDENTITY_SECRET?.trim() || null;
  if (secret !== null && secret.length < 16) throw new ConfigError("IDENTITY_SECRET", "must be at least 16 characters");
  const origins = (env.WEBAUTHN_ORIGINS ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  for (const origin of origins) {
    if (!/^https?:\/\/[^/]+$/.test(origin)) throw new ConfigError("WEBAUTHN_ORIGINS", `must list origins such as https://tickets.example.com, got ${JSON.stringify(origin)}`);
  }
  return { secret, rpId: env.WEBAUTHN_RP_ID?.trim() || null, origins };
}

/** EDGE_PUBLIC_URL, else the first passkey origin, else the dev edge; without a trailing slash. */
function edgePublicUrl(env: Env): string {
  const fallback = identityConfig(env).origins[0] ?? "http://localhost:8787";
  return url(env, "EDGE_PUBLIC_URL", fallback, ["http:", "https:"]).replace(/\/+$/, "");
}

function clusterNodes(env: Env): Config["redisClusterNodes"] {
  const list = (env.REDIS_CLUSTER_NODES ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  return list.map((node) => {
    const match = /^([^:\s]+):(\d{1,5})$/.exec(node);
    if (!match || Number(match[2]) > 65535) throw new ConfigError("REDIS_CLUSTER_NODES", `must be host:port,host:port..., got ${JSON.stringify(node)}`);
    return { host: match[1]!, port: Number(match[2]) };
  });
}

function mail(env: Env): MailConfig | null {
  const host = env.SMTP_HOST?.trim();
  if (!host) return null;
  const secure = text(env, "SMTP_SECURE", originVariables.SMTP_SECURE.default);
  if (!(originVariables.SMTP_SECURE.choices as readonly string[]).includes(secure)) throw new ConfigError("SMTP_SECURE", `must be 0 or 1, got ${JSON.stringify(secure)}`);
  const timeZone = text(env, "MAIL_TIME_ZONE", originVariables.MAIL_TIME_ZONE.default);
  try {
    new Intl.DateTimeFormat("en", { timeZone });
  } catch {
    throw new ConfigError("MAIL_TIME_ZONE", `is not a time zone, got ${JSON.stringify(timeZone)}`);
  }
  return {
    host,
    port: integer(env, "SMTP_PORT"),
    secure: secure === "1",
    user: env.SMTP_USER?.trim() || null,
    password: env.SMTP_PASSWORD ?? null,
    from: text(env, "MAIL_FROM", originVariables.MAIL_FROM.default),
    concurrency: integer(env, "MAIL_CONCURRENCY"),
    retries: integer(env, "MAIL_RETRIES"),
    timeZone,
  };
}

/** Pure: builds the configuration from an environment, or throws ConfigError. */
export function parseConfig(env: Env): Config {
  const simulation = text(env, "PAYMENT_SIMULATION", originVariables.PAYMENT_SIMULATION.default);
  if (!originVariables.PAYMENT_SIMULATION.choices.includes(simulation as PaymentSimulation)) {
    throw new ConfigError("PAYMENT_SIMULATION", `must be approve, decline or timeout, got ${JSON.stringify(simulation)}`);
  }
  const adminKey = text(env, "ADMIN_KEY");
  if (adminKey.length < 16) throw new ConfigError("ADMIN_KEY", "must be at least 16 characters");
  return {
    redisUrl: url(env, "REDIS_URL", originVariables.REDIS_URL.default, ["redis:", "rediss:"]),
    redisClusterNodes: clusterNodes(env),
    redisCommandTimeoutMs: integer(env, "REDIS_COMMAND_TIMEOUT_MS"),
    databaseUrl: url(env, "DATABASE_URL", originVariables.DATABASE_URL.default, ["mysql:"], true),
    port: integer(env, "ORIGIN_PORT"),
    hostname: text(env, "ORIGIN_HOST", originVariables.ORIGIN_HOST.default),
    adminKey,
    activeJwks: jwks(env),
    originAuthSecrets: originAuthSecrets(env),
    dbPoolSize: integer(env, "DB_POOL_SIZE"),
    drainSeconds: integer(env, "ORIGIN_DRAIN_SECONDS", env.NODE_ENV === "production" ? 20 : undefined),
    idleTimeoutSeconds: integer(env, "ORIGIN_IDLE_TIMEOUT_SECONDS"),
    purchaseWindowSeconds: integer(env, "PURCHASE_WINDOW_SECONDS"),
    paymentTimeoutMs: integer(env, "PAYMENT_TIMEOUT_MS"),
    paymentSimulation: simulation as PaymentSimulation,
    paymentLatencyMs: integer(env, "PAYMENT_LATENCY_MS"),
    tokenCacheSize: integer(env, "TOKEN_CACHE_SIZE"),
    seatReadIntervalMs: integer(env, "SEAT_READ_INTERVAL_MS"),
    mail: mail(env),
    edgePublicUrl: edgePublicUrl(env),
    identity: identityConfig(env),
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
