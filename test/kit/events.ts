/**
 * Creating test events the way an organiser does: through the admin service in the test's
 * own process, or through a running origin's admin API. One default layout (a small hall)
 * so tests say only what matters to them.
 */
import type { Deps } from "../../origin/src/deps.ts";
import { createEvent, type EventInput } from "../../origin/src/modules/admin/service.ts";

/** A small hall: 2 rows of 10 standard seats, 4 a order, holds of 30 s. */
export function testEventInput(input: Partial<EventInput> & { id: string }): EventInput {
  return {
    name: "Test night",
    venue: "Test hall",
    startsAt: "2030-01-01T20:00:00.000Z",
    perOrderLimit: 4,
    holdSeconds: 30,
    sections: [{ name: "A", rows: 2, seatsPerRow: 10, tier: "standard", priceCents: 5000 }],
    ...input,
  };
}

/** Creates the event (its seats in MySQL, its config in Redis) through the admin service. */
export function createTestEvent(deps: Deps, input: Partial<EventInput> & { id: string }) {
  return createEvent(deps, testEventInput(input));
}

export interface AdminApi {
  /** one admin request, with the admin key; the body parsed as JSON when it is */
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** creates the event (the kit's small hall unless `event` says otherwise); throws unless it was created */
  createEvent(event: Partial<EventInput> & { id: string }): Promise<string>;
  /** creates the event and opens its waiting room with these settings; throws unless both succeed */
  createEventWithQueue(event: Partial<EventInput> & { id: string }, queue: Record<string, unknown>): Promise<string>;
}

/** The admin API of a running origin at `originUrl`, authorised with `adminKey` (default ADMIN_KEY). */
export function adminApi(originUrl: string, adminKey = process.env.ADMIN_KEY): AdminApi {
  const call: AdminApi["call"] = async (method, path, body) => {
    const res = await fetch(originUrl + path, {
      method,
      headers: { authorization: `Bearer ${adminKey}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json().catch(() => null) };
  };
  const createEvent: AdminApi["createEvent"] = async (event) => {
    const created = await call("POST", "/admin/events", testEventInput(event));
    if (created.status !== 201) throw new Error(`creating ${event.id}: ${created.status} ${JSON.stringify(created.body)}`);
    return event.id;
  };
  return {
    call,
    createEvent,
    async createEventWithQueue(event, queue) {
      await createEvent(event);
      const opened = await call("POST", `/admin/events/${event.id}/queue`, { adaptive: false, ...queue });
      if (opened.status >= 300) throw new Error(`opening the waiting room of ${event.id}: ${opened.status} ${JSON.stringify(opened.body)}`);
      return event.id;
    },
  };
}
