/** Bindings of the edge Worker: secrets (`wrangler secret put`, `.dev.vars` locally) and `[vars]`. */
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

  TICKET_TTL_SECONDS?: string;
  SESSION_TTL_SECONDS?: string;
  /** how long an admitted fan has to claim; the scheduler writes deadlines with this window */
  CLAIM_WINDOW_SECONDS?: string;
  /** a waiting fan not seen for this long has left the line */
  PRESENCE_GRACE_SECONDS?: string;
  /** how often an isolate reads the shared queue state */
  TICK_MS?: string;
  /** seconds between SSE heartbeats when nothing changed; capped at 14 so a tick later is still under 15 */
  HEARTBEAT_SECONDS?: string;
  /** joins allowed per client IP per minute */
  JOIN_LIMIT_PER_MINUTE?: string;
  /** status polls and claims allowed per ticket per minute */
  TICKET_LIMIT_PER_MINUTE?: string;
  RATE_LIMIT_TIMEOUT_MS?: string;
  /** largest request body forwarded to the origin */
  MAX_BODY_BYTES?: string;
}

export interface Config {
  ticketTtlSeconds: number;
  sessionTtlSeconds: number;
  claimWindowSeconds: number;
  presenceGraceMs: number;
  tickMs: number;
  heartbeatMs: number;
  joinLimitPerMinute: number;
  ticketLimitPerMinute: number;
  rateLimitTimeoutMs: number;
  maxBodyBytes: number;
}

function positive(env: Env, name: keyof Env, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
  return value;
}

const cache = new WeakMap<Env, Config>();

/** Durations and limits from the env, validated once per env object. */
export function config(env: Env): Config {
  let c = cache.get(env);
  if (!c) {
    c = {
      ticketTtlSeconds: positive(env, "TICKET_TTL_SECONDS", 6 * 3600),
      sessionTtlSeconds: positive(env, "SESSION_TTL_SECONDS", 15 * 60),
      claimWindowSeconds: positive(env, "CLAIM_WINDOW_SECONDS", 120),
      presenceGraceMs: positive(env, "PRESENCE_GRACE_SECONDS", 30) * 1000,
      tickMs: positive(env, "TICK_MS", 1000),
      heartbeatMs: Math.min(positive(env, "HEARTBEAT_SECONDS", 10), 14) * 1000,
      joinLimitPerMinute: positive(env, "JOIN_LIMIT_PER_MINUTE", 20),
      ticketLimitPerMinute: positive(env, "TICKET_LIMIT_PER_MINUTE", 120),
      rateLimitTimeoutMs: positive(env, "RATE_LIMIT_TIMEOUT_MS", 1000),
      maxBodyBytes: positive(env, "MAX_BODY_BYTES", 64 * 1024),
    };
    cache.set(env, c);
  }
  return c;
}
