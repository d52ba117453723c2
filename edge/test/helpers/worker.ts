/** Calls the Worker's fetch directly from bun test, with a real env pointing at the bridge. */
import worker, { type Env } from "../../src/index.ts";

export function testEnv(bridgeUrl: string, overrides: Partial<Env> = {}): Env {
  return {
    UPSTASH_REDIS_REST_URL: bridgeUrl,
    UPSTASH_REDIS_REST_TOKEN: process.env.UPSTASH_REDIS_REST_TOKEN!,
    TICKET_SECRET: process.env.TICKET_SECRET!,
    ACTIVE_SIGNING_KEYS: process.env.ACTIVE_SIGNING_KEYS!,
    ORIGIN_URL: "http://127.0.0.1:9",
    ORIGIN_AUTH_SECRET: process.env.ORIGIN_AUTH_SECRET!,
    IDENTITY_SECRET: process.env.IDENTITY_SECRET!,
    JOIN_LIMIT_PER_MINUTE: "100000",
    TICKET_LIMIT_PER_MINUTE: "100000",
    ...overrides,
  };
}

export class TestContext {
  readonly pending: Promise<unknown>[] = [];
  readonly props = {};
  waitUntil(p: Promise<unknown>) {
    this.pending.push(p);
  }
  passThroughOnException() {}
}

export const BASE = "http://localhost:8787";

/** Sends one request to the Worker (path, or a full URL). `jar` is a cookie jar updated from Set-Cookie. */
export async function call(env: Env, path: string, init: RequestInit & { jar?: Map<string, string>; ip?: string } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.jar && init.jar.size > 0) headers.set("cookie", [...init.jar].map(([k, v]) => `${k}=${v}`).join("; "));
  if (init.ip) headers.set("cf-connecting-ip", init.ip);
  const request = new Request(path.startsWith("http") ? path : BASE + path, { ...init, headers });
  const res = await worker.fetch!(request as never, env, new TestContext() as unknown as ExecutionContext);
  if (init.jar) {
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (attrs.some((a) => a.trim().toLowerCase() === "max-age=0") || value === "") init.jar.delete(name);
      else init.jar.set(name, value);
    }
  }
  return res;
}

export { SseReader, type SseMessage as SseEvent } from "../../../test/kit/sse.ts";

/**
 * Runs `work` while counting the requests the Worker (called in this process) sends to `baseUrl`: its subrequests to Redis.
 * With `about`, only requests that name it (an event id: its keys) count, not those of other events' streams still open.
 */
export async function countRequestsTo<T>(baseUrl: string, work: () => Promise<T>, about?: string): Promise<{ result: T; requests: number }> {
  const realFetch = globalThis.fetch;
  let requests = 0;
  globalThis.fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
    const toBase = String(input instanceof Request ? input.url : input).startsWith(baseUrl);
    if (toBase && (about === undefined || String(init?.body ?? "").includes(about))) requests++;
    return realFetch(input, init);
  }) as typeof fetch;
  try {
    return { result: await work(), requests };
  } finally {
    globalThis.fetch = realFetch;
  }
}
