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

export type SseEvent = { event: string; data: string; id?: string } | { comment: string };

/** Reads Server-Sent Events from a response body. */
export class SseReader {
  private buffer = "";
  private reader: ReadableStreamDefaultReader<Uint8Array>;
  private decoder = new TextDecoder();
  retry: number | null = null;

  constructor(res: Response) {
    this.reader = res.body!.getReader();
  }

  /** Next event or comment; null when the stream ended. */
  async next(timeoutMs = 10_000): Promise<SseEvent | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.buffer.indexOf("\n\n");
      if (end >= 0) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        const ev: { event: string; data: string[]; id?: string } = { event: "message", data: [] };
        let comment: string | null = null;
        let onlyRetry = true;
        for (const line of block.split("\n")) {
          if (line.startsWith(":")) comment = line.slice(1).trim();
          else if (line.startsWith("retry:")) this.retry = Number(line.slice(6));
          else {
            onlyRetry = false;
            if (line.startsWith("event:")) ev.event = line.slice(6).trim();
            else if (line.startsWith("data:")) ev.data.push(line.slice(5).trim());
            else if (line.startsWith("id:")) ev.id = line.slice(3).trim();
          }
        }
        if (comment !== null && onlyRetry) return { comment };
        if (onlyRetry) continue;
        return { event: ev.event, data: ev.data.join("\n"), id: ev.id };
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("timed out waiting for an SSE event");
      const chunk = await Promise.race([
        this.reader.read(),
        new Promise<"timeout">((r) => setTimeout(() => r("timeout"), left)),
      ]);
      if (chunk === "timeout") throw new Error("timed out waiting for an SSE event");
      if (chunk.done) return null;
      this.buffer += this.decoder.decode(chunk.value, { stream: true });
    }
  }

  /** Next event with the given name, skipping heartbeats and other events. */
  async nextEvent(name: string, timeoutMs = 10_000): Promise<{ event: string; data: any; id?: string }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ev = await this.next(Math.max(1, deadline - Date.now()));
      if (ev === null) throw new Error(`stream ended before a ${name} event`);
      if ("event" in ev && ev.event === name) return { ...ev, data: JSON.parse(ev.data) };
    }
  }

  async close() {
    await this.reader.cancel().catch(() => {});
  }
}

/** Runs `work` while counting the requests the Worker (called in this process) sends to `baseUrl`: its subrequests to Redis. */
export async function countRequestsTo<T>(baseUrl: string, work: () => Promise<T>): Promise<{ result: T; requests: number }> {
  const realFetch = globalThis.fetch;
  let requests = 0;
  globalThis.fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
    if (String(input instanceof Request ? input.url : input).startsWith(baseUrl)) requests++;
    return realFetch(input, init);
  }) as typeof fetch;
  try {
    return { result: await work(), requests };
  } finally {
    globalThis.fetch = realFetch;
  }
}
