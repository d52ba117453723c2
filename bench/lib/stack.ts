/**
 * What a bench run starts (origin processes, the balancer, the Upstash bridge, workerd
 * edges, bare servers, driver processes, connections, scratch events), stopped in reverse
 * order when the run ends, fails, or is interrupted (SIGINT or SIGTERM), so no scenario
 * manages its own processes and a Ctrl-C leaves no origin, workerd or scratch event behind.
 * It starts things through the helpers tests and `bun run dev` use; it only remembers how
 * to stop them.
 */
import type { Subprocess } from "bun";
import { join } from "node:path";
import type Redis from "ioredis";
import type mysql from "mysql2/promise";
import { startBalancer, type Balancer } from "../../test/kit/balancer.ts";
import { freePort } from "../../test/kit/free-port.ts";
import { startOrigin, type OriginProcess } from "../../test/kit/origin-process.ts";
import { waitUntil } from "../../test/kit/wait.ts";
import { startWorkerdEdge, type WorkerdEdge, type WorkerdEdgeOptions } from "../../test/kit/workerd-edge.ts";
import { startBridgeProcess } from "../../test/kit/bridge.ts";
import { obliterateEvent, obliterateEventKeys } from "../../test/kit/obliterate.ts";

const root = join(import.meta.dir, "..", "..");

/** Stacks not yet stopped, oldest first: an interrupt stops the newest first. */
const live = new Set<Stack>();
let trapped = false;

const SIGNALS = ["SIGINT", "SIGTERM"] as const;
const EXIT_CODE = { SIGINT: 130, SIGTERM: 143 } as const;

function stopOnSignals(): void {
  if (trapped) return;
  trapped = true;
  let stopping = false;
  for (const signal of SIGNALS) {
    process.on(signal, () => {
      // a second signal (Ctrl-C reaches a re-executed run twice: from the terminal and from its parent) waits for the first
      if (stopping) return;
      stopping = true;
      console.error(`\n${signal}: stopping what the bench started`);
      void (async () => {
        for (const stack of [...live].reverse()) await stack.stop();
        process.exit(EXIT_CODE[signal]);
      })();
    });
  }
}

export class Stack {
  private readonly stops: Array<{ what: string; stop: () => unknown }> = [];

  constructor() {
    stopOnSignals();
    live.add(this);
  }

  /** `stop` runs when the stack stops, before everything registered earlier. */
  defer(what: string, stop: () => unknown): void {
    this.stops.push({ what, stop });
  }

  /** One origin (`bun origin/src/main.ts`) on a free port. */
  async origin(env: Record<string, string>): Promise<OriginProcess> {
    const origin = await startOrigin({ env, port: await freePort() });
    this.defer(`origin ${origin.url}`, () => origin.stop());
    return origin;
  }

  /** `count` origins; more than one sit behind the local round-robin balancer. `url` is where to send requests. */
  async origins(count: number, env: Record<string, string>): Promise<{ url: string; origins: OriginProcess[]; balancer?: Balancer }> {
    const origins: OriginProcess[] = [];
    for (let i = 0; i < count; i++) origins.push(await this.origin(env));
    if (count <= 1) return { url: origins[0]!.url, origins };
    const balancer = startBalancer({ upstreams: origins.map((o) => o.url) });
    this.defer("balancer", () => balancer.stop());
    return { url: balancer.url, origins, balancer };
  }

  /** The dev Upstash REST bridge in its own process. */
  async bridge(redisUrl: string, token: string): Promise<{ url: string }> {
    const bridge = await startBridgeProcess(redisUrl, token);
    this.defer(`Upstash bridge ${bridge.url}`, () => bridge.stop());
    return bridge;
  }

  /** The production Worker in workerd (Miniflare). */
  workerdEdge(opts: WorkerdEdgeOptions): Promise<WorkerdEdge> {
    return this.start("workerd edge", () => startWorkerdEdge(opts));
  }

  /** Anything else with a `stop()`: registered, and handed back. */
  add<T extends { stop(): unknown }>(what: string, thing: T): T {
    this.defer(what, () => thing.stop());
    return thing;
  }

  /**
   * Starts something with a `stop()` and registers it. Signal handlers it installs are taken
   * off again: Miniflare's exits the process at the first SIGINT, before the stack could stop
   * the rest and remove the scratch events (its exit hook, which disposes workerd, stays).
   */
  async start<T extends { stop(): unknown }>(what: string, start: () => Promise<T>): Promise<T> {
    const before = new Map(SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
    try {
      return this.add(what, await start());
    } finally {
      for (const signal of SIGNALS) for (const listener of process.listeners(signal)) if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }

  /** A child process of the bench (spawned by the caller, who picks its pipes), stopped when the stack stops. */
  process<T extends Subprocess>(what: string, child: T): T {
    this.defer(what, async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      await Promise.race([child.exited, Bun.sleep(10_000).then(() => child.kill("SIGKILL"))]);
    });
    return child;
  }

  /** bench/origin-bare-server.ts (bare Elysia routes for the ceilings) on a free port, once it answers. */
  async bareServer(env: Record<string, string>): Promise<{ url: string; pid: number }> {
    const port = await freePort();
    const child = this.process("bare server", Bun.spawn(["bun", "bench/origin-bare-server.ts"], { cwd: root, env: { ...env, PORT: String(port) }, stdout: "ignore", stderr: "inherit" }));
    const url = `http://127.0.0.1:${port}`;
    await waitUntil("bare elysia", async () => (await fetch(`${url}/bare`, { method: "POST" })).ok);
    return { url, pid: child.pid };
  }

  /**
   * Scratch events' MySQL rows and Redis keys go when the stack stops, at the place of this
   * call in the order: called before the processes start, they are removed after those stop.
   * Returns the function that adds an event id (and hands it back).
   */
  scratchEvents(pool: mysql.Pool, redis: Redis): (eventId: string) => string {
    const ids: string[] = [];
    this.defer("scratch events", async () => {
      for (const id of ids) await obliterateEvent(redis, pool, id).catch((e) => console.error(`removing scratch event ${id}: ${e instanceof Error ? e.message : String(e)}`));
    });
    return (id) => (ids.push(id), id);
  }

  /** The same for scratch events that live only in Redis. */
  scratchKeys(redis: Redis): (eventId: string) => string {
    const ids: string[] = [];
    this.defer("scratch keys", async () => {
      for (const id of ids) await obliterateEventKeys(redis, id).catch((e) => console.error(`removing the keys of ${id}: ${e instanceof Error ? e.message : String(e)}`));
    });
    return (id) => (ids.push(id), id);
  }

  /** Stops everything, newest first; a failing stop is reported and the rest still run. */
  async stop(): Promise<void> {
    live.delete(this);
    for (let next = this.stops.pop(); next; next = this.stops.pop()) {
      await Promise.resolve()
        .then(next.stop)
        .catch((e) => console.error(`stopping ${next!.what}: ${e instanceof Error ? e.message : String(e)}`));
    }
  }
}

/** Runs `work` with a fresh stack and stops it afterwards, whatever happened. */
export async function withStack<T>(work: (stack: Stack) => Promise<T>): Promise<T> {
  const stack = new Stack();
  try {
    return await work(stack);
  } finally {
    await stack.stop();
  }
}
