/**
 * Claim: fans join, poll /status until admitted (the no-SSE path), and swap the ticket for an
 * active token exactly once; a second claim of the same ticket must be refused.
 *   k6 run -e BASE_URL=https://edge.example -e EVENT_ID=<event> -e FANS=2000 bench/k6/claim.ts
 */
import { check } from "k6";
import http from "k6/http";
import type { Options } from "k6/options";
import { BASE_URL, EVENT_ID, claim, count, join, waitByPolling } from "./lib/edge.ts";

const fans = Number(__ENV.FANS ?? 500);

export const options: Options = {
  scenarios: { claim: { executor: "per-vu-iterations", vus: fans, iterations: 1, maxDuration: __ENV.MAX_WAIT ?? "10m" } },
  thresholds: {
    "http_req_duration{step:claim}": ["p(95)<500"],
    "checks{check:one claim per ticket}": ["rate==1"],
    http_5xx: ["count==0"],
  },
};

export default function (): void {
  const joined = join();
  if (!joined) return;
  if (!joined.admitted && !waitByPolling(joined.ticket, 600)) return;
  const first = claim(joined.ticket);
  check(first, { "claimed an active token": (c) => c !== null && c.activeToken.split(".").length === 3 });
  const again = count(http.post(`${BASE_URL}/queue/${EVENT_ID}/claim`, null, { headers: { "x-queue-ticket": joined.ticket }, tags: { step: "claim-again" } }));
  check(again, { "one claim per ticket": (r) => r.status === 403 || r.status === 401 });
}
