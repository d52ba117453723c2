import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Value } from "@sinclair/typebox/value";
import { eventKeys } from "../../common/keys.ts";
import { seatMapView, seatStatusView } from "../src/modules/events/model.ts";
import { Harness } from "./support/harness.ts";

// 10,000 seats: large enough that a seat read takes long enough to be joined mid-flight.
const ROWS = 20;
const PER_ROW = 500;
const seat = (i: number) => `A-${Math.floor(i / PER_ROW) + 1}-${(i % PER_ROW) + 1}`;

let h: Harness;
beforeAll(async () => {
  h = await Harness.create("seatmap", { event: { perOrderLimit: 4, holdSeconds: 60, sections: [{ name: "A", rows: ROWS, seatsPerRow: PER_ROW, tier: "standard", priceCents: 5000 }] } });
});
afterAll(() => h.close());

type SeatMap = { counts: Record<string, number>; seats: Array<{ id: string; status: string }> };
const statusesOf = (map: SeatMap) => new Map(map.seats.map((s) => [s.id, s.status]));

describe("seat map", () => {
  test("answers every seat with its status, in the documented shape, with the request id", async () => {
    const [holder, buyer, viewer] = await h.sessions(3);
    expect((await h.hold(holder!.token, [seat(0), seat(1)])).status).toBe(201);
    const bought = await h.hold(buyer!.token, [seat(2)]);
    expect((await h.purchase(buyer!.token, bought.body.holdId)).status).toBe(201);

    const reply = await h.call<SeatMap>("GET", `/api/events/${h.eventId}/seats`, { token: viewer!.token, headers: { "x-request-id": "map-check-1" } });
    expect(reply.status).toBe(200);
    expect(reply.headers.get("content-type")).toStartWith("application/json");
    expect(reply.headers.get("x-request-id")).toBe("map-check-1");
    // The body is serialized once and sent as is (Elysia does not check a Response), so check it here.
    expect([...Value.Errors(seatMapView, reply.body)].map((e) => `${e.path}: ${e.message}`)).toEqual([]);
    expect(reply.body.seats).toHaveLength(ROWS * PER_ROW);
    const statuses = statusesOf(reply.body);
    expect([statuses.get(seat(0)), statuses.get(seat(1)), statuses.get(seat(2)), statuses.get(seat(3))]).toEqual(["held", "held", "sold", "available"]);
    expect(reply.body.counts).toEqual({ available: ROWS * PER_ROW - 3, held: 2, sold: 1 });
  });

  test("the compact status lists one letter per seat in map order, and agrees with the map", async () => {
    const [holder, viewer] = await h.sessions(2);
    expect((await h.hold(holder!.token, [seat(PER_ROW * 3 + 7)])).status).toBe(201);
    const [map, status] = await Promise.all([
      h.call<SeatMap>("GET", `/api/events/${h.eventId}/seats`, { token: viewer!.token }),
      h.call<{ counts: Record<string, number>; states: string }>("GET", `/api/events/${h.eventId}/seats/status`, { token: viewer!.token }),
    ]);
    expect(status.status).toBe(200);
    expect(status.headers.get("content-type")).toStartWith("application/json");
    expect([...Value.Errors(seatStatusView, status.body)].map((e) => `${e.path}: ${e.message}`)).toEqual([]);
    expect(status.body.states).toHaveLength(ROWS * PER_ROW);
    const letter = { available: "a", held: "h", sold: "s" } as Record<string, string>;
    expect(status.body.states).toBe(map.body.seats.map((s) => letter[s.status]).join(""));
    expect(status.body.states[PER_ROW * 3 + 7]).toBe("h");
    expect(status.body.counts).toEqual(map.body.counts);
    // roughly a byte per seat, against about a hundred for the full map
    expect(JSON.stringify(status.body).length).toBeLessThan(JSON.stringify(map.body).length / 20);
  });

  test("an ended session is refused even when its read is shared with live ones", async () => {
    const [live, ended] = await h.sessions(2);
    await h.redis.zadd(eventKeys(h.eventId).active, Date.now() - 1000, ended!.sid);
    for (const path of ["seats", "seats/status"]) {
      const [a, b] = await Promise.all([
        h.call("GET", `/api/events/${h.eventId}/${path}`, { token: live!.token }),
        h.call("GET", `/api/events/${h.eventId}/${path}`, { token: ended!.token }),
      ]);
      expect(a.status).toBe(200);
      expect(b.status).toBe(403);
      expect(b.body).toEqual({ code: "SESSION_INACTIVE", message: expect.any(String) });
    }
  });

  test("a crowd polling gets reads started at most every SEAT_READ_INTERVAL_MS; a lone fan is answered at once", async () => {
    const interval = h.config.seatReadIntervalMs;
    expect(interval).toBe(250);
    const viewers = await h.sessions(300);
    await Bun.sleep(interval + 50);
    // a lone fan, once the interval has passed, starts a read at once (in the same turn of the
    // event loop, not after a timer); counted, not timed, so a loaded machine cannot fail it
    const entry = await h.app.deps.catalog.get(h.eventId);
    const readsIdle = h.app.deps.seatStates.reads;
    const lone = h.app.deps.seatStates.read(entry);
    expect(h.app.deps.seatStates.reads).toBe(readsIdle + 1);
    await lone;
    expect((await h.call("GET", `/api/events/${h.eventId}/seats/status`, { token: viewers[0]!.token })).status).toBe(200);

    const readsBefore = h.app.deps.seatStates.reads;
    const started = performance.now();
    const replies = await Promise.all(
      viewers.map(async (fan, i) => {
        await Bun.sleep(i * 3); // arrivals spread over about a second
        return (await h.call("GET", `/api/events/${h.eventId}/seats/status`, { token: fan.token })).status;
      }),
    );
    const elapsed = performance.now() - started;
    expect(replies.every((s) => s === 200)).toBe(true);
    const reads = h.app.deps.seatStates.reads - readsBefore;
    expect(reads).toBeGreaterThanOrEqual(2);
    expect(reads).toBeLessThanOrEqual(Math.ceil(elapsed / interval) + 1);
  });

  test("300 fans read the map while 200 others hold through another origin: reads are shared, yet each shows every hold finished before it was sent", async () => {
    // Holds go through a second origin (its own Redis connection), as on a real deployment:
    // a read this origin started earlier may not have seen them.
    const other = await Harness.create("seatmap-other");
    try {
      const holders = await h.sessions(200);
      const viewers = await h.sessions(300);
      const first = 100; // seats from here on are free for this test
      const finished = new Set<string>();
      const stale: string[] = [];
      const readsBefore = h.app.deps.seatStates.reads;
      for (let wave = 0; wave < 10; wave++) {
        const holds = holders.slice(wave * 20, wave * 20 + 20).map(async (fan, i) => {
          await Bun.sleep(i % 10);
          const id = seat(first + wave * 20 + i);
          expect((await other.hold(fan.token, [id], h.eventId)).status).toBe(201);
          finished.add(id);
        });
        const reads = viewers.slice(wave * 30, wave * 30 + 30).map(async (fan, i) => {
          await Bun.sleep(i % 15);
          const mustShow = [...finished]; // holds that finished before this request was sent
          const reply = await h.call<SeatMap>("GET", `/api/events/${h.eventId}/seats`, { token: fan.token });
          expect(reply.status).toBe(200);
          const statuses = statusesOf(reply.body);
          stale.push(...mustShow.filter((id) => statuses.get(id) !== "held"));
        });
        await Promise.all([...holds, ...reads]);
      }
      expect(stale).toEqual([]);
      const redisReads = h.app.deps.seatStates.reads - readsBefore;
      expect(redisReads).toBeGreaterThan(0);
      expect(redisReads).toBeLessThan(viewers.length / 2);
    } finally {
      await other.close();
    }
  });
});
