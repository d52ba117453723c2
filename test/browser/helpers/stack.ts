/**
 * The whole stack for browser tests: the real origin (`bun origin/src/main.ts`, with its
 * scheduler) and the production edge bundle in workerd (Miniflare, test/kit/workerd-edge.ts,
 * without wrangler dev's proxy, which drops requests when the machine is busy; the
 * quickstart test runs `wrangler dev` itself) behind the dev Upstash bridge, on a
 * redis-server and a MariaDB database of the stack's own (test/kit/edge-stack.ts), so no
 * other file's origin leads this file's rooms. Events are created and their waiting rooms
 * opened through the origin's admin API, exactly as an organiser would; they go with the
 * stack's Redis and database at the end.
 */
import { afterAll, beforeAll, setDefaultTimeout } from "bun:test";
import type { Pool } from "mysql2/promise";
import type { Browser } from "playwright-core";
import type Redis from "ioredis";
import { startEdgeStack } from "../../kit/edge-stack.ts";
import { uniqueEventId } from "../../kit/event-ids.ts";
import { launchBrowser } from "./browser.ts";

export interface EventLayout {
  label: string;
  rows?: number;
  seatsPerRow?: number;
  perOrderLimit?: number;
  holdSeconds?: number;
  /** an event with no waiting room of its own (one another room may cover) */
  noQueue?: boolean;
  /** waiting room settings (see POST /admin/events/:eventId/queue) */
  queue?: { rate?: number; maxActive?: number; sessionSeconds?: number; claimSeconds?: number; opensAt?: string; adaptive?: boolean; challenge?: "off" | "pow"; challengeFailure?: "refuse" | "infinite"; presenceGraceSeconds?: number; inviteOnly?: boolean; choiceMarginSeats?: number };
}

export interface Stack {
  edgeUrl: string;
  originUrl: string;
  db: Pool;
  /** an admin API call on the origin (the admin key from the local secrets) */
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  createEvent(layout: EventLayout): Promise<string>;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** more of the origin's environment (e.g. SMTP_HOST and SMTP_PORT of a local SMTP server), read when the stack starts */
  originEnv?: () => Record<string, string>;
}

/**
 * The stack's own Redis, for what a test reads or writes there directly (set once the file's
 * stack started; a live binding, so `import { redis }` sees it).
 */
export let redis: Redis;

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  // the edge tests' stack (its own Redis and database); the same presence grace on both
  // sides (common/shared-settings.ts): 30 s, shorter than the default
  const stack = await startEdgeStack({
    label: "browser",
    originEnv: { LOG_REQUESTS: "0", PRESENCE_GRACE_SECONDS: "30", ...opts.originEnv?.() },
    vars: { TICK_MS: "250", HEARTBEAT_SECONDS: "2", PRESENCE_GRACE_SECONDS: "30", JOIN_LIMIT_PER_MINUTE: "1000", TICKET_LIMIT_PER_MINUTE: "10000", ROOM_ROUTES_FRESH_MS: "500" },
  });
  redis = stack.redis;
  const { admin } = stack;
  return {
    edgeUrl: stack.edge.url,
    originUrl: stack.origin.url,
    db: stack.pool,
    admin: admin.call,
    async createEvent(layout) {
      const eventId = uniqueEventId(layout.label);
      const event = {
        id: eventId,
        name: `Browser test: ${layout.label}`,
        venue: "Test Hall",
        startsAt: "2031-06-01T19:30:00.000Z",
        perOrderLimit: layout.perOrderLimit ?? 4,
        holdSeconds: layout.holdSeconds ?? 120,
        sections: [
          { name: "A", rows: layout.rows ?? 3, seatsPerRow: layout.seatsPerRow ?? 8, tier: "front", priceCents: 9500 },
          { name: "B", rows: layout.rows ?? 3, seatsPerRow: layout.seatsPerRow ?? 8, tier: "standard", priceCents: 4500 },
        ],
      };
      return layout.noQueue ? admin.createEvent(event) : admin.createEventWithQueue(event, { rate: 5, ...layout.queue });
    },
    // the events go with the stack's Redis and database
    stop: () => stack.stop(),
  };
}

/** The seats sold for an event, read straight from MySQL, with the order each belongs to. */
export async function reservationsOf(db: Pool, eventId: string): Promise<Array<{ seatId: string; orderId: string }>> {
  const [rows] = await db.query("SELECT seat_id AS seatId, order_id AS orderId FROM reservations WHERE event_id = ? ORDER BY seat_id", [eventId]);
  return rows as Array<{ seatId: string; orderId: string }>;
}

/**
 * One stack and one browser per test file, started before its tests and stopped after.
 * The returned object's fields are set once the file's beforeAll has run; a beforeAll the
 * file registers before calling this runs first (a local SMTP server whose port `originEnv` names).
 */
export function useBrowserStack(opts: StackOptions = {}): { stack: Stack; browser: Browser } {
  setDefaultTimeout(60_000);
  const fixture = {} as { stack: Stack; browser: Browser };
  beforeAll(async () => {
    // both are started even if one fails, and what did start is kept for afterAll to stop
    const [stack, browser] = await Promise.allSettled([startStack(opts), launchBrowser()]);
    if (stack.status === "fulfilled") fixture.stack = stack.value;
    if (browser.status === "fulfilled") fixture.browser = browser.value;
    for (const result of [stack, browser]) if (result.status === "rejected") throw result.reason;
  }, 120_000);
  afterAll(async () => {
    await fixture.browser?.close();
    await fixture.stack?.stop();
  });
  return fixture;
}
