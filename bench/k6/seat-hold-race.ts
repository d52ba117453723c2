/**
 * Seat-hold race: 100, then 1,000 admitted fans try to hold and buy the same seat at the
 * same moment. Exactly one may buy it: `seat_sales` per scenario must be 1, the rest 409.
 * The fans need active tokens for a staging event, minted beforehand (dev/staging only):
 *   bun run token:mint -- --event <event> --count 1100 > tokens.txt
 *   k6 run -e BASE_URL=https://edge.example -e EVENT_ID=<event> -e SEAT_100=A-1-1 -e SEAT_1000=A-1-2 bench/k6/seat-hold-race.ts
 */
import { check } from "k6";
import exec from "k6/execution";
import { SharedArray } from "k6/data";
import type { Options } from "k6/options";
import { hold, purchase, readTokens } from "./lib/edge.ts";

const tokens = new SharedArray("tokens", () => readTokens(open(__ENV.TOKENS_FILE ?? "./tokens.txt")));

export const options: Options = {
  scenarios: {
    race_100: { executor: "per-vu-iterations", vus: 100, iterations: 1, env: { SEAT: __ENV.SEAT_100 ?? "A-1-1", TOKEN_OFFSET: "0" } },
    race_1000: { executor: "per-vu-iterations", vus: 1000, iterations: 1, startTime: "20s", env: { SEAT: __ENV.SEAT_1000 ?? "A-1-2", TOKEN_OFFSET: "100" } },
  },
  thresholds: {
    // zero double bookings: one sale per seat, and it must happen
    "seat_sales{scenario:race_100}": ["count==1"],
    "seat_sales{scenario:race_1000}": ["count==1"],
    "http_409{scenario:race_100}": ["count>=99"],
    "http_409{scenario:race_1000}": ["count>=999"],
    "http_req_duration{step:hold}": ["p(95)<500"],
    http_5xx: ["count==0"],
  },
};

export default function (): void {
  const index = Number(__ENV.TOKEN_OFFSET) + exec.vu.idInTest - 1 - (exec.scenario.name === "race_1000" ? 100 : 0);
  const token = tokens[index];
  if (!token) throw new Error(`TOKENS_FILE has no token ${index}: mint at least 1,100`);
  const held = hold(token, [__ENV.SEAT!]);
  if (!held) return;
  const order = purchase(token, held.holdId, `race-${exec.scenario.name}-${index}`);
  check(order, { "the hold's winner bought the seat": (o) => o !== null });
}
