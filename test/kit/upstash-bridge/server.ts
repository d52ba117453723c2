/**
 * Dev-only Upstash REST bridge: the protocol @upstash/redis speaks, in front of a plain
 * Redis, so the edge Worker runs on this machine as it does against Upstash.
 *
 *   POST /            ["SET","k","v"]              -> {"result": ...} | 400 {"error": ...}
 *   POST /pipeline    [["INCR","a"],["GET","a"]]   -> [{"result": ...} | {"error": ...}, ...]
 *   POST /multi-exec  same, inside MULTI/EXEC      -> same; 400 when Redis aborts it
 *   GET  /stats       (dev bridge only) {"requests": n, "commands": n} answered so far, for benches
 *
 * `Authorization: Bearer <token>` is required (401 otherwise); `Upstash-Encoding: base64`
 * makes every string reply base64. `bun scripts/upstash-bridge.ts` runs it on its own.
 */
import Redis from "ioredis";
import { checkCommand, checkCommands, CommandError, createRunner } from "./commands.ts";
import { createScriptFlags } from "./lua-flags.ts";

export interface UpstashBridgeOptions {
  redisUrl: string;
  /** 0 picks a free port */
  port: number;
  /** the bearer token clients must send (UPSTASH_REDIS_REST_TOKEN) */
  token: string;
  /** interface to listen on (default 127.0.0.1) */
  hostname?: string;
}

export interface BridgeStats {
  /** HTTP requests answered (one per @upstash/redis call or pipeline) */
  requests: number;
  /** Redis commands they carried (a script call is one) */
  commands: number;
}

export interface UpstashBridge {
  url: string;
  port: number;
  stats: BridgeStats;
  stop(): Promise<void>;
}

const JSON_HEADERS = { "content-type": "application/json" };
const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: JSON_HEADERS });
const UNAUTHORIZED = JSON.stringify({ error: "Unauthorized" });

export async function startUpstashBridge({ redisUrl, port, token, hostname = "127.0.0.1" }: UpstashBridgeOptions): Promise<UpstashBridge> {
  if (!token) throw new Error("the Upstash bridge needs a token (UPSTASH_REDIS_REST_TOKEN)");
  // Auto-pipelining stays off: in ioredis 5.9 it drops the command name of call/callBuffer.
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 3 });
  redis.on("error", () => {}); // reconnects on its own; requests meanwhile fail with 503
  try {
    await redis.connect();
  } catch (e) {
    redis.disconnect();
    throw new Error(`the Upstash bridge cannot reach Redis at ${redisUrl}: ${(e as Error).message}`);
  }
  const run = createRunner(redis, createScriptFlags());
  const authorization = `Bearer ${token}`;
  const stats: BridgeStats = { requests: 0, commands: 0 };

  /** Authenticates, parses the JSON body and maps failures to Upstash's status codes. */
  const endpoint = (handle: (body: unknown, base64: boolean) => Promise<unknown>) => async (req: Request) => {
    if (req.headers.get("authorization") !== authorization) return new Response(UNAUTHORIZED, { status: 401, headers: JSON_HEADERS });
    const base64 = req.headers.get("upstash-encoding")?.toLowerCase() === "base64";
    let body: unknown;
    try {
      body = await req.json();
    } catch {
      return json({ error: "ERR the request body is not valid JSON" }, 400);
    }
    stats.requests++;
    stats.commands += Array.isArray(body) && Array.isArray(body[0]) ? body.length : 1;
    try {
      return json(await handle(body, base64));
    } catch (e) {
      if (e instanceof CommandError) return json({ error: e.message }, 400);
      return json({ error: `ERR Redis is unavailable: ${(e as Error).message}` }, 503);
    }
  };

  const server = Bun.serve({
    port,
    hostname,
    development: false,
    // an overloaded edge can leave a pooled connection idle for seconds between requests;
    // Bun's default 10 s idle timeout would close it under the client ("Network connection lost")
    idleTimeout: 255,
    routes: {
      "/": {
        POST: endpoint(async (body, base64) => ({ result: await run.single(checkCommand(body), base64) })),
      },
      "/pipeline": { POST: endpoint((body, base64) => run.pipeline(checkCommands(body), base64)) },
      "/multi-exec": { POST: endpoint((body, base64) => run.multiExec(checkCommands(body), base64)) },
      "/stats": {
        GET: (req: Request) =>
          req.headers.get("authorization") === authorization ? json(stats) : new Response(UNAUTHORIZED, { status: 401, headers: JSON_HEADERS }),
      },
    },
    fetch: () => json({ error: "ERR unknown endpoint: POST /, /pipeline or /multi-exec" }, 404),
  });

  const host = hostname === "0.0.0.0" || hostname === "::" ? "127.0.0.1" : hostname;
  return {
    url: `http://${host}:${server.port}`,
    port: server.port!,
    stats,
    async stop() {
      await server.stop(true);
      // QUIT waits for a Redis that may be gone (a test killed it): give it a second, then drop the socket
      await Promise.race([redis.quit().catch(() => {}), Bun.sleep(1000)]);
      redis.disconnect();
    },
  };
}
