import type { JoinOutcome, JoinRequest } from "./joins.ts";

/** Bindings of the edge Worker: secrets (`wrangler secret put`, `.dev.vars` locally) and `[vars]`. */
import { PRESENCE_GRACE } from "../../common/shared-settings.ts";
import { MAX_TOKEN_AGE_SECONDS } from "../../common/tokens.ts";
export interface Env {
  UPSTASH_REDIS_REST_URL: string;
  UPSTASH_REDIS_REST_TOKEN: string;
  /** HS256 secret(s) of queue tickets; comma-separated, the first signs (rotation: prepend) */
  TICKET_SECRET: string;
  /** JSON array of private P-256 JWKs with `kid`; the first signs, all are published */
  ACTIVE_SIGNING_KEYS: string;
  ORIGIN_URL: string;
  /** shared secret sent to the origin as `X-Origin-Auth` */
  ORIGIN_AUTH_SECRET?: string;
  /** Durable Objects that gather each event shard's joins into one script call; without it each join is its own call */
  JOIN_BATCHER?: BatcherNamespace;

  TICKET_TTL_SECONDS?: string;
  SESSION_TTL_SECONDS?: string;
  /** a waiting fan not seen for this long has left the line; the same on the origin (common/shared-settings.ts) */
  PRESENCE_GRACE_SECONDS?: string;
  /** how often an isolate reads the shared queue state */
  TICK_MS?: string;
  /** seconds between SSE heartbeats when nothing changed; capped at 14 so a tick later is still under 15 */
  HEARTBEAT_SECONDS?: string;
  /** a waiting fan's stream ends (the client reconnects and keeps its place) once it made this many subrequests; keep it below the plan's limit per request (Free 50, Paid 10,000 or 1,000 on older plans) */
  STREAM_MAX_SUBREQUESTS?: string;
  /** new places allowed per client IP per minute (a join that keeps a place is not counted) */
  JOIN_LIMIT_PER_MINUTE?: string;
  /** JoinBatcher shards per event: each sends at most one batch at a time, so peak joins/s per shard ~ JOIN_BATCH_MAX / Upstash round trip */
  JOIN_SHARDS?: string;
  /** how long a shard waits for more joins before sending a batch (ms) */
  JOIN_BATCH_WINDOW_MS?: string;
  /** most joins in one batch */
  JOIN_BATCH_MAX?: string;
  /** status polls and claims allowed per ticket per minute */
  TICKET_LIMIT_PER_MINUTE?: string;
  /** organiser (admin) requests allowed per client IP per event per minute; the dashboard polls once a second */
  ADMIN_LIMIT_PER_MINUTE?: string;
  RATE_LIMIT_TIMEOUT_MS?: string;
  /** largest request body forwarded to the origin */
  MAX_BODY_BYTES?: string;
}

/** What the edge uses of the JoinBatcher namespace binding (declared here so code shared with the origin's type checks needs no Workers types). */
export interface BatcherNamespace<Id = unknown> {
  idFromName(name: string): Id;
  get(id: Id): { join(eventId: string, request: JoinRequest): Promise<JoinOutcome> };
}

export interface Config {
  ticketTtlSeconds: number;
  sessionTtlSeconds: number;
  presenceGraceMs: number;
  tickMs: number;
  heartbeatMs: number;
  joinLimitPerMinute: number;
  streamMaxSubrequests: number;
  joinShards: number;
  joinBatchWindowMs: number;
  joinBatchMax: number;
  ticketLimitPerMinute: number;
  adminLimitPerMinute: number;
  rateLimitTimeoutMs: number;
  maxBodyBytes: number;
}

function positive(env: Env, name: keyof Env, fallback: number, atMost = Infinity): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new EdgeConfigError(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
  if (value > atMost) throw new EdgeConfigError(`${name} must be at most ${atMost}, got ${JSON.stringify(raw)}`);
  return value;
}

/** A whole number of at least `min`: STREAM_MAX_SUBREQUESTS needs room for its touch, limiter and one read. */
function atLeast(env: Env, name: keyof Env, fallback: number, min: number): number {
  const value = positive(env, name, fallback);
  if (!Number.isInteger(value) || value < min) throw new EdgeConfigError(`${name} must be a whole number of at least ${min}, got ${JSON.stringify(env[name])}`);
  return value;
}

/** A missing or malformed binding: an operator's mistake, named in the message. */
export class EdgeConfigError extends Error {}

function required(env: Env, name: keyof Env): string {
  const raw = env[name];
  if (typeof raw !== "string" || raw.trim() === "") throw new EdgeConfigError(`${name} is not set (a Worker secret or [vars] entry)`);
  return raw;
}

function url(env: Env, name: keyof Env): void {
  const raw = required(env, name);
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new EdgeConfigError(`${name} must be an http(s) URL, got ${JSON.stringify(raw)}`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new EdgeConfigError(`${name} must be an http(s) URL, got ${JSON.stringify(raw)}`);
}

function signingKeys(env: Env): void {
  let keys: unknown;
  try {
    keys = JSON.parse(required(env, "ACTIVE_SIGNING_KEYS"));
  } catch (e) {
    if (e instanceof EdgeConfigError) throw e;
    throw new EdgeConfigError("ACTIVE_SIGNING_KEYS must be JSON: an array of private P-256 JWKs with kid");
  }
  const valid = Array.isArray(keys) && keys.length > 0 && keys.every((k) => k && typeof k.kid === "string" && typeof k.d === "string");
  if (!valid) throw new EdgeConfigError("ACTIVE_SIGNING_KEYS must be a non-empty array of private P-256 JWKs, each with kid and d");
}

const cache = new WeakMap<Env, Config>();

/**
 * The edge's bindings, validated once per env object: required secrets and URLs are
 * present and well formed (an EdgeConfigError names the first that is not), and
 * durations and limits are positive numbers.
 */
export function config(env: Env): Config {
  let c = cache.get(env);
  if (!c) {
    url(env, "UPSTASH_REDIS_REST_URL");
    required(env, "UPSTASH_REDIS_REST_TOKEN");
    required(env, "TICKET_SECRET");
    signingKeys(env);
    url(env, "ORIGIN_URL");
    c = {
      // tokens older than MAX_TOKEN_AGE_SECONDS are refused, so none may be issued for longer
      ticketTtlSeconds: positive(env, "TICKET_TTL_SECONDS", 6 * 3600, MAX_TOKEN_AGE_SECONDS),
      sessionTtlSeconds: positive(env, "SESSION_TTL_SECONDS", 15 * 60, MAX_TOKEN_AGE_SECONDS),
      presenceGraceMs: positive(env, PRESENCE_GRACE.env, PRESENCE_GRACE.defaultSeconds) * 1000,
      tickMs: positive(env, "TICK_MS", 1000),
      heartbeatMs: Math.min(positive(env, "HEARTBEAT_SECONDS", 10), 14) * 1000,
      joinLimitPerMinute: positive(env, "JOIN_LIMIT_PER_MINUTE", 20),
      streamMaxSubrequests: atLeast(env, "STREAM_MAX_SUBREQUESTS", 900, 3),
      joinShards: Math.floor(positive(env, "JOIN_SHARDS", 24)),
      joinBatchWindowMs: positive(env, "JOIN_BATCH_WINDOW_MS", 2),
      joinBatchMax: Math.min(500, Math.floor(positive(env, "JOIN_BATCH_MAX", 250))),
      ticketLimitPerMinute: positive(env, "TICKET_LIMIT_PER_MINUTE", 120),
      adminLimitPerMinute: positive(env, "ADMIN_LIMIT_PER_MINUTE", 300),
      rateLimitTimeoutMs: positive(env, "RATE_LIMIT_TIMEOUT_MS", 1000),
      maxBodyBytes: positive(env, "MAX_BODY_BYTES", 64 * 1024),
    };
    cache.set(env, c);
  }
  return c;
}
