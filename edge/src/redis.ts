/**
 * The edge's Redis: Upstash REST through @upstash/redis. One client per credentials at
 * module scope, so an isolate reuses it (and its loaded scripts) across requests.
 */
import { Redis } from "@upstash/redis/cloudflare";
import type { Env } from "./env.ts";
import { eventKeys } from "../../common/keys.ts";
import { redisScripts, type RedisScript } from "../../lua/registry.ts";

type Script = ReturnType<Redis["createScript"]>;

interface Client {
  redis: Redis;
  /** Client for @upstash/ratelimit: it decodes JSON replies itself. */
  limiterRedis: Redis;
  scripts: Map<string, Script>;
}

const clients = new Map<string, Client>();

export function client(env: Env): Client {
  const id = `${env.UPSTASH_REDIS_REST_URL} ${env.UPSTASH_REDIS_REST_TOKEN}`;
  let c = clients.get(id);
  if (!c) {
    const base = {
      url: env.UPSTASH_REDIS_REST_URL,
      token: env.UPSTASH_REDIS_REST_TOKEN,
      enableTelemetry: false,
      readYourWrites: false,
      retry: { retries: 2, backoff: (n: number) => 25 * 2 ** n },
    };
    // Ticket ids are random strings; keep replies as sent instead of JSON-decoding them.
    // Every reply of the queue scripts is text (numbers, ids, what the origin wrote about an
    // event), which JSON carries as it is: no base64 round (Upstash's default, for binary values).
    c = { redis: new Redis({ ...base, automaticDeserialization: false, responseEncoding: false }), limiterRedis: new Redis(base), scripts: new Map() };
    clients.set(id, c);
  }
  return c;
}

/**
 * Runs one of the queue scripts of the registry (lua/registry.ts) for an event (EVALSHA,
 * falling back to EVAL on NOSCRIPT), its fixed KEYS first, then `extraKeys` (joinQueue's
 * rate-limit buckets), and decodes the reply. `ids` names what a script is about (the
 * access code of redeemAccessCode).
 */
export async function runScript<Reply, Ids = void>(env: Env, script: RedisScript<Reply, Ids>, eventId: string, args: Array<string | number>, extraKeys: string[] = [], ids?: Ids): Promise<Reply> {
  const c = client(env);
  let s = c.scripts.get(script.name);
  if (!s) {
    s = c.redis.createScript(script.source);
    c.scripts.set(script.name, s);
  }
  return script.decode(await s.exec([...script.keys(eventKeys(eventId), ids as Ids), ...extraKeys], args.map(String)));
}

export { redisScripts };
