/**
 * The full purchase journey at an arrival rate: join, wait (status polling), claim, read the
 * seat map, hold a free seat (another on 409), buy it, read the order back.
 *   k6 run -e BASE_URL=https://edge.example -e EVENT_ID=<event> -e RATE=50 bench/k6/purchase-journey.ts
 */
import { check } from "k6";
import http from "k6/http";
import type { Options } from "k6/options";
import { BASE_URL, EVENT_ID, authHeaders, claim, count, hold, join, purchase, waitByPolling } from "./lib/edge.ts";

const rate = Number(__ENV.RATE ?? 20);

export const options: Options = {
  scenarios: {
    journey: { executor: "constant-arrival-rate", rate, timeUnit: "1s", duration: __ENV.DURATION ?? "2m", preAllocatedVUs: rate * 10, maxVUs: rate * 60 },
  },
  thresholds: {
    "http_req_duration{step:hold}": ["p(95)<300"],
    "http_req_duration{step:purchase}": ["p(95)<1000"],
    "checks{check:bought a seat}": ["rate>0.95"],
    http_5xx: ["count==0"],
  },
};

interface SeatMap {
  seats: Array<{ id: string; status: string }>;
}

export default function (): void {
  const joined = join();
  if (!joined || (!joined.admitted && !waitByPolling(joined.ticket, 600))) return;
  const session = claim(joined.ticket);
  if (!check(session, { claimed: (s) => s !== null })) return;
  const token = session!.activeToken;
  const map = count(http.get(`${BASE_URL}/api/events/${EVENT_ID}/seats`, { headers: authHeaders(token), tags: { step: "seats" } }));
  const free = map.status === 200 ? (map.json() as unknown as SeatMap).seats.filter((s) => s.status === "available") : [];
  let order: ReturnType<typeof purchase> = null;
  for (let attempt = 0; attempt < 3 && free.length > 0 && !order; attempt++) {
    const seat = free.splice(Math.floor(Math.random() * free.length), 1)[0]!;
    const held = hold(token, [seat.id]);
    if (held) order = purchase(token, held.holdId, `journey-${session!.sessionId}`);
  }
  check(order, { "bought a seat": (o) => o !== null });
  const orderId = order?.orderId;
  if (orderId) {
    const read = count(http.get(`${BASE_URL}/api/orders/${orderId}`, { headers: { ...authHeaders(token), "x-event-id": EVENT_ID }, tags: { step: "order" } }));
    check(read, { "order readable": (r) => r.status === 200 });
  }
}
