/**
 * Memory of the local edge: the Worker isolate's JavaScript heap, read from workerd's V8
 * inspector (Chrome DevTools Protocol over WebSocket: `HeapProfiler.collectGarbage`, then
 * `Runtime.getHeapUsage`), and the resident memory of the workerd processes. What a bench
 * divides by open streams to get memory per stream.
 */
import { readFileSync } from "node:fs";

/** RSS (bytes) of the workerd processes below a pid (Miniflare runs workerd as a child). */
export function workerdRss(parentPid: number): number {
  let total = 0;
  const walk = (pid: number) => {
    let children: number[] = [];
    try {
      children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {}
    for (const child of children) {
      try {
        if (readFileSync(`/proc/${child}/cmdline`, "utf8").includes("workerd")) {
          total += Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child}/status`, "utf8"))?.[1] ?? 0) * 1024;
        }
      } catch {}
      walk(child);
    }
  };
  walk(parentPid);
  return total;
}
export interface HeapReader {
  /** used heap bytes after a full garbage collection */
  usedAfterGc(): Promise<number>;
  close(): void;
}

/**
 * `poke` sends the Worker a request: workerd runs a requested garbage collection only
 * once the isolate is next entered, so an idle edge is poked until the collection is done.
 */
export async function connectHeapReader(inspectorPort: number, poke: () => Promise<unknown>): Promise<HeapReader> {
  const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json()) as Array<{ id: string; webSocketDebuggerUrl?: string }>;
  // Miniflare's own workers (entry, cache, ...) are listed too; the user Worker is `core:user:<name>`
  const target = targets.find((t) => t.id.startsWith("core:user:") && t.webSocketDebuggerUrl);
  if (!target) throw new Error(`no inspector target on port ${inspectorPort}`);
  const ws = new WebSocket(target.webSocketDebuggerUrl!);
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error("cannot connect to the workerd inspector"));
  });
  let nextId = 1;
  const waiting = new Map<number, (result: any) => void>();
  ws.onmessage = (m) => {
    const msg = JSON.parse(String(m.data));
    if (msg.id !== undefined) waiting.get(msg.id)?.(msg.result ?? msg.error);
    waiting.delete(msg.id);
  };
  const send = (method: string, params: object = {}) =>
    new Promise<any>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => reject(new Error(`the workerd inspector did not answer ${method}`)), 60_000);
      waiting.set(id, (result) => {
        clearTimeout(timer);
        resolve(result);
      });
      ws.send(JSON.stringify({ id, method, params }));
    });
  await send("Runtime.enable");
  await send("HeapProfiler.enable");
  return {
    async usedAfterGc() {
      let collected = false;
      const gc = send("HeapProfiler.collectGarbage").then(() => (collected = true));
      while (!collected) await Promise.race([gc, poke().catch(() => {}).then(() => Bun.sleep(50))]);
      const usage = (await send("Runtime.getHeapUsage")) as { usedSize: number };
      return usage.usedSize;
    },
    close: () => ws.close(),
  };
}
