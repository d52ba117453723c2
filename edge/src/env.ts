import type { JoinAnswer, JoinRequest } from "./joins.ts";

/** Bindings of the edge Worker: secrets (`wrangler secret put`, `.dev.vars` locally) and `[vars]`. */
import { PRESENCE_GRACE } from "../../common/shared-settings.ts";
import { MAX_TOKEN_AGE_SECONDS } from "../../common/tokens.ts";
import { declareVariables, type EnvVariable } from "../../common/env-variables.ts";

/**
 * Every binding the edge reads, secrets and `[vars]`: docs/reference/configuration.md is
 * generated from these. Numbers must be positive (`above: 0`) and at most `max`.
 */
export const edgeVariables = declareVariables("edge", {
  UPSTASH_REDIS_REST_URL: { unset: "required (an http(s) URL); `bun run edge` points it at the local bridge", doc: "Upstash REST endpoint of the Redis the edge shares with the origin" },
  UPSTASH_REDIS_REST_TOKEN: { unset: "required; generated for local dev", doc: "Upstash REST token" },
  TICKET_SECRET: { unset: "required; generated for local dev", doc: "HS256 secret(s) of queue tickets; comma-separated, the first signs (rotation: prepend)" },
  ACTIVE_SIGNING_KEYS: { unset: "required; generated for local dev", doc: "JSON array of private P-256 JWKs with `kid`; the first signs, all are published at `/.well-known/jwks.json`" },
  ORIGIN_URL: { unset: "required (an http(s) URL); `bun run edge` sets `http://127.0.0.1:3000`", doc: "where `/api/*` and `/admin/*` are forwarded" },
  ORIGIN_AUTH_SECRET: { unset: "no `X-Origin-Auth` sent; generated for local dev", doc: "shared secret sent to the origin as `X-Origin-Auth` (the first entry of a comma-separated list)" },
  JOIN_BATCHER: { unset: "each join is a batch of its own through the same script", doc: "Durable Object namespace binding (not a variable) that gathers each event shard's joins into one script call" },
  TICKET_TTL_SECONDS: { default: 6 * 3600, above: 0, max: MAX_TOKEN_AGE_SECONDS, doc: "queue ticket lifetime (no longer than the longest token age accepted)" },
  SESSION_TTL_SECONDS: { default: 15 * 60, above: 0, max: MAX_TOKEN_AGE_SECONDS, doc: "active token lifetime and its `cu:{e}:active` entry" },
  PRESENCE_GRACE_SECONDS: { default: PRESENCE_GRACE.defaultSeconds, above: 0, doc: "a waiting fan not seen for this long has left the line (the same on the origin); status polls are told a third of it" },
  TICK_MS: { default: 1000, above: 0, doc: "how often an isolate reads the shared queue state" },
  HEARTBEAT_SECONDS: { default: 10, above: 0, doc: "SSE comment when nothing changed; used as at most 14, so a tick later is still under 15 s" },
  STREAM_MAX_SUBREQUESTS: { default: 900, min: 3, doc: "a waiting fan's stream ends (the client reconnects and keeps its place) once it made this many subrequests; keep it under the plan's limit per request (Free 50, Paid 10,000, older plans 1,000)" },
  JOIN_LIMIT_PER_MINUTE: { default: 20, above: 0, doc: "new places per client IP per minute (a join that keeps a place is not counted)" },
  JOIN_SHARDS: { default: 24, above: 0, doc: "JoinBatcher Durable Objects per event (`2` in wrangler.toml's local `[vars]`); joins go to one by a hash of the client IP" },
  JOIN_BATCH_WINDOW_MS: { default: 2, above: 0, doc: "how long a shard waits for more joins before sending a batch" },
  JOIN_BATCH_MAX: { default: 250, above: 0, doc: "most joins in one batch; used as at most 500" },
  TICKET_LIMIT_PER_MINUTE: { default: 120, above: 0, doc: "status polls, stream connects, claims and claim extensions per ticket per minute" },
  CODE_ATTEMPTS_PER_MINUTE: { default: 10, above: 0, doc: "access codes a client IP may try per event per minute (right or wrong), so codes cannot be guessed by retrying" },
  TURN_MAIL_LIMIT_PER_MINUTE: { default: 5, above: 0, doc: "addresses for the turn email a ticket may leave per minute, and as many a client IP per event (docs/COME-BACK.md)" },
  ADMIN_LIMIT_PER_MINUTE: { default: 300, above: 0, doc: "organiser (admin) requests per client IP per event per minute; the dashboard polls once a second" },
  BYPASS_RULES_FRESH_MS: { default: 5000, above: 0, doc: "how long an isolate uses its copy of an event's bypass rules before reading them again: a rule switched off or removed stops within this (plus one read)" },
  ROOM_ROUTES_FRESH_MS: { default: 5000, above: 0, doc: "how long an isolate uses its copy of the rooms' routing table (which room covers which events and paths) before reading it again: a change of covers reaches fans within this (plus one read)" },
  RATE_LIMIT_TIMEOUT_MS: { default: 1000, above: 0, doc: "how long the edge's limiters wait for Redis" },
  MAX_BODY_BYTES: { default: 64 * 1024, above: 0, doc: "largest request body forwarded to the origin (larger: 413)" },
  CHALLENGE_SECRET: { unset: "derived from the signing TICKET_SECRET", doc: "HMAC secret that signs proof-of-work challenges and marks the tickets of infinite-queue places" },
  CHALLENGE_TTL_SECONDS: { default: 300, above: 0, max: 3600, doc: "how long a proof-of-work challenge may be solved and used; a spent solution stays spent as long" },
  POW_DIFFICULTY: { default: 50_000, above: 0, max: 100_000_000, doc: "base proof-of-work difficulty: the challenge's maxnumber (a solver tries about half as many SHA-256 hashes on average)" },
  POW_FREE_PLACES: { default: 3, above: 0, doc: "new places an IP takes within the join limiter's window at the base difficulty; each one more doubles the difficulty" },
  POW_FREE_NETWORK: { default: 30, above: 0, doc: "challenges a network (IPv4 /24, IPv6 /64) is issued within a minute at the base difficulty, per isolate; each as many more doubles it" },
  POW_MAX_DIFFICULTY: { default: 5_000_000, above: 0, max: 1_000_000_000, doc: "the most the doubling asks of a fast IP" },
  IDENTITY_SECRET: { unset: "identity proofs cannot be checked: in a sale that asks an identity, a new place is refused (403 IDENTITY_REQUIRED)", doc: "the origin's IDENTITY_SECRET (a secret binding): the edge checks the fans' identity proofs with it at the join (docs/IDENTITY.md)" },
  TURNSTILE_SITE_KEY: { unset: "events cannot ask Turnstile (the page has no widget to show)", doc: "Cloudflare Turnstile site key the waiting page's widget uses, for events whose challenge is `turnstile`" },
  TURNSTILE_SECRET_KEY: { unset: "a Turnstile join is answered 503 CHALLENGE_UNAVAILABLE", doc: "Turnstile secret key (a secret binding) sent to siteverify" },
  TURNSTILE_VERIFY_URL: { default: "https://challenges.cloudflare.com/turnstile/v0/siteverify", doc: "where Turnstile tokens are verified (a local stand-in in tests)" },
  TURNSTILE_TIMEOUT_MS: { default: 3000, above: 0, doc: "how long a join waits for siteverify before answering 503 CHALLENGE_UNAVAILABLE" },
});
type EdgeVariable = keyof typeof edgeVariables;

/** The bindings' types; what each one means is in `edgeVariables` above. */
export interface Env {
  UPSTASH_REDIS_REST_URL: string;
  UPSTASH_REDIS_REST_TOKEN: string;
  TICKET_SECRET: string;
  ACTIVE_SIGNING_KEYS: string;
  ORIGIN_URL: string;
  ORIGIN_AUTH_SECRET?: string;
  JOIN_BATCHER?: BatcherNamespace;

  TICKET_TTL_SECONDS?: string;
  SESSION_TTL_SECONDS?: string;
  PRESENCE_GRACE_SECONDS?: string;
  TICK_MS?: string;
  HEARTBEAT_SECONDS?: string;
  BYPASS_RULES_FRESH_MS?: string;
  ROOM_ROUTES_FRESH_MS?: string;
  STREAM_MAX_SUBREQUESTS?: string;
  JOIN_LIMIT_PER_MINUTE?: string;
  JOIN_SHARDS?: string;
  JOIN_BATCH_WINDOW_MS?: string;
  JOIN_BATCH_MAX?: string;
  TICKET_LIMIT_PER_MINUTE?: string;
  ADMIN_LIMIT_PER_MINUTE?: string;
  TURN_MAIL_LIMIT_PER_MINUTE?: string;
  CODE_ATTEMPTS_PER_MINUTE?: string;
  RATE_LIMIT_TIMEOUT_MS?: string;
  MAX_BODY_BYTES?: string;
  CHALLENGE_SECRET?: string;
  CHALLENGE_TTL_SECONDS?: string;
  POW_DIFFICULTY?: string;
  POW_FREE_PLACES?: string;
  POW_MAX_DIFFICULTY?: string;
  POW_FREE_NETWORK?: string;
  TURNSTILE_SITE_KEY?: string;
  TURNSTILE_SECRET_KEY?: string;
  IDENTITY_SECRET?: string;
  TURNSTILE_VERIFY_URL?: string;
  TURNSTILE_TIMEOUT_MS?: string;
}

/** What the edge uses of the JoinBatcher namespace binding (declared here so code shared with the origin's type checks needs no Workers types). */
export interface BatcherNamespace<Id = unknown> {
  idFromName(name: string): Id;
  get(id: Id): { join(eventId: string, request: JoinRequest): Promise<JoinAnswer> };
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
  codeAttemptsPerMinute: number;
  turnMailLimitPerMinute: number;
  rateLimitTimeoutMs: number;
  bypassRulesFreshMs: number;
  roomRoutesFreshMs: number;
  maxBodyBytes: number;
  challengeTtlSeconds: number;
  powDifficulty: number;
  powFreePlaces: number;
  powMaxDifficulty: number;
  powFreeNetwork: number;
  turnstileVerifyUrl: string;
  turnstileTimeoutMs: number;
}

/** A positive number, at most its declared `max`; unset is its declared default. */
function positive(env: Env, name: EdgeVariable): number {
  const declared: EnvVariable = edgeVariables[name];
  const fallback = Number(declared.default);
  const atMost = declared.max ?? Infinity;
  const raw = env[name as keyof Env];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new EdgeConfigError(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
  if (value > atMost) throw new EdgeConfigError(`${name} must be at most ${atMost}, got ${JSON.stringify(raw)}`);
  return value;
}

/** A whole number of at least `min`: STREAM_MAX_SUBREQUESTS needs room for its touch, limiter and one read. */
function atLeast(env: Env, name: EdgeVariable): number {
  const value = positive(env, name);
  const min = (edgeVariables[name] as EnvVariable).min ?? 1;
  if (!Number.isInteger(value) || value < min) throw new EdgeConfigError(`${name} must be a whole number of at least ${min}, got ${JSON.stringify(env[name as keyof Env])}`);
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

/** A URL binding with a declared default: unset is the default, set must be an http(s) URL. */
function optionalUrl(env: Env, name: EdgeVariable): string {
  const raw = env[name as keyof Env];
  if (typeof raw !== "string" || raw.trim() === "") return String((edgeVariables[name] as EnvVariable).default);
  url(env, name as keyof Env);
  return raw.trim();
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
      ticketTtlSeconds: positive(env, "TICKET_TTL_SECONDS"),
      sessionTtlSeconds: positive(env, "SESSION_TTL_SECONDS"),
      presenceGraceMs: positive(env, "PRESENCE_GRACE_SECONDS") * 1000,
      tickMs: positive(env, "TICK_MS"),
      heartbeatMs: Math.min(positive(env, "HEARTBEAT_SECONDS"), 14) * 1000,
      joinLimitPerMinute: positive(env, "JOIN_LIMIT_PER_MINUTE"),
      streamMaxSubrequests: atLeast(env, "STREAM_MAX_SUBREQUESTS"),
      joinShards: Math.floor(positive(env, "JOIN_SHARDS")),
      joinBatchWindowMs: positive(env, "JOIN_BATCH_WINDOW_MS"),
      joinBatchMax: Math.min(500, Math.floor(positive(env, "JOIN_BATCH_MAX"))),
      ticketLimitPerMinute: positive(env, "TICKET_LIMIT_PER_MINUTE"),
      adminLimitPerMinute: positive(env, "ADMIN_LIMIT_PER_MINUTE"),
      codeAttemptsPerMinute: positive(env, "CODE_ATTEMPTS_PER_MINUTE"),
      turnMailLimitPerMinute: positive(env, "TURN_MAIL_LIMIT_PER_MINUTE"),
      rateLimitTimeoutMs: positive(env, "RATE_LIMIT_TIMEOUT_MS"),
      bypassRulesFreshMs: positive(env, "BYPASS_RULES_FRESH_MS"),
      roomRoutesFreshMs: positive(env, "ROOM_ROUTES_FRESH_MS"),
      maxBodyBytes: positive(env, "MAX_BODY_BYTES"),
      challengeTtlSeconds: positive(env, "CHALLENGE_TTL_SECONDS"),
      powDifficulty: Math.floor(positive(env, "POW_DIFFICULTY")),
      powFreePlaces: Math.floor(positive(env, "POW_FREE_PLACES")),
      powMaxDifficulty: Math.max(Math.floor(positive(env, "POW_MAX_DIFFICULTY")), Math.floor(positive(env, "POW_DIFFICULTY"))),
      powFreeNetwork: Math.floor(positive(env, "POW_FREE_NETWORK")),
      turnstileVerifyUrl: optionalUrl(env, "TURNSTILE_VERIFY_URL"),
      turnstileTimeoutMs: positive(env, "TURNSTILE_TIMEOUT_MS"),
    };
    cache.set(env, c);
  }
  return c;
}
