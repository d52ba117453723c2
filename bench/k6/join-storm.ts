/**
 * Join storm: fans arrive at a rising rate (open model: arrivals per second, not a fixed
 * number of users) and join the line. Each join answers a signed ticket and a place.
 *   k6 run -e BASE_URL=https://edge.example -e EVENT_ID=<event> -e PEAK_RATE=2000 bench/k6/join-storm.ts
 */
import { check } from "k6";
import type { Options } from "k6/options";
import { join } from "./lib/edge.ts";

const peak = Number(__ENV.PEAK_RATE ?? 1000);

export const options: Options = {
  scenarios: {
    storm: {
      executor: "ramping-arrival-rate",
      startRate: Math.max(1, Math.round(peak / 10)),
      timeUnit: "1s",
      preAllocatedVUs: Math.min(peak, 2000),
      maxVUs: peak * 2,
      stages: [
        { target: peak, duration: "30s" },
        { target: peak, duration: "60s" },
        { target: 0, duration: "10s" },
      ],
    },
  },
  thresholds: {
    "http_req_duration{step:join}": ["p(95)<300", "p(99)<1000"],
    http_req_failed: ["rate<0.01"],
    http_5xx: ["count==0"],
    checks: ["rate>0.99"],
  },
};

export default function (): void {
  const joined = join();
  check(joined, { "joined with a ticket": (j) => j !== null && j.ticket.length > 0 && j.ticketNumber > 0 });
}
