/**
 * Graceful shutdown: once draining, `/ready` answers 503 at once so the load balancer stops
 * sending new work, while requests already in flight (purchases above all) are counted so
 * shutdown can wait for them before Redis and MySQL are closed.
 */
import { Elysia } from "elysia";

export class Drain {
  draining = false;
  inFlight = 0;
  private idle: (() => void)[] = [];

  begin(): void {
    this.draining = true;
  }

  enter(): void {
    this.inFlight++;
  }

  leave(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (this.inFlight === 0) for (const wake of this.idle.splice(0)) wake();
  }

  /** Resolves true when nothing is in flight, false if `timeoutMs` passes first. */
  waitIdle(timeoutMs: number): Promise<boolean> {
    if (this.inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idle.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}

export function drainPlugin(drain: Drain) {
  return new Elysia({ name: "drain", seed: drain })
    .onRequest(({ request, set }) => {
      if (drain.draining && new URL(request.url).pathname === "/ready") {
        set.status = 503;
        return { status: "unavailable", redis: true, mysql: true, draining: true };
      }
      drain.enter();
    })
    .onAfterResponse({ as: "global" }, () => drain.leave());
}
