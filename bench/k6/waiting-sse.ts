/**
 * Waiting over SSE: each fan joins and keeps /queue/:event/events open until the
 * `admitted` event, measuring the time to admission; the position events must keep coming.
 * Needs a k6 built with xk6-sse (see bench/README.md):
 *   ./k6 run -e BASE_URL=https://edge.example -e EVENT_ID=<event> -e FANS=10000 bench/k6/waiting-sse.ts
 */
import { check } from "k6";
import type { Options } from "k6/options";
import { Counter } from "k6/metrics";
import sse from "k6/x/sse";
import { BASE_URL, EVENT_ID, claim, join, timeToAdmission } from "./lib/edge.ts";

const fans = Number(__ENV.FANS ?? 1000);
const positionEvents = new Counter("sse_position_events");
const admittedEvents = new Counter("sse_admitted_events");

export const options: Options = {
  scenarios: {
    waiting: { executor: "per-vu-iterations", vus: fans, iterations: 1, maxDuration: __ENV.MAX_WAIT ?? "10m" },
  },
  thresholds: {
    sse_admitted_events: [`count>=${Math.floor(fans * 0.99)}`],
    time_to_admission: ["p(95)<600000"],
    "http_req_failed{step:claim}": ["rate<0.01"],
    http_5xx: ["count==0"],
  },
};

export default function (): void {
  const joined = join();
  if (!check(joined, { joined: (j) => j !== null })) return;
  const ticket = joined!.ticket;
  const started = Date.now();
  let admitted = joined!.admitted;
  if (!admitted) {
    const response = sse.open(`${BASE_URL}/queue/${EVENT_ID}/events`, { headers: { "x-queue-ticket": ticket }, tags: { step: "events" } }, (client) => {
      client.on("event", (event) => {
        if (event.name === "position") positionEvents.add(1);
        if (event.name === "admitted") {
          admitted = true;
          admittedEvents.add(1);
          timeToAdmission.add(Date.now() - started);
          client.close();
        }
        if (event.name === "expired") client.close();
      });
    });
    check(response, { "stream opened (200)": (r) => r.status === 200 });
  }
  if (admitted) check(claim(ticket), { "claimed an active token": (c) => c !== null && c.activeToken.length > 0 });
}
