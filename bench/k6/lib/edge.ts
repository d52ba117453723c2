/**
 * What every k6 script shares: the edge's URL and event from the environment, the fan's calls
 * (join, status, claim, hold, purchase) and the counters k6 does not keep by itself.
 * 409 is an expected answer in a sale (a seat someone else holds, a turn not come yet), so
 * it is not counted as a failed request; it has its own counter instead.
 */
import { sleep } from "k6";
import http, { type RefinedResponse } from "k6/http";
import { Counter, Trend } from "k6/metrics";

export const BASE_URL = (__ENV.BASE_URL ?? "http://127.0.0.1:8787").replace(/\/$/, "");
export const EVENT_ID = __ENV.EVENT_ID ?? "demo";

http.setResponseCallback(http.expectedStatuses({ min: 200, max: 299 }, 409));

export const conflicts = new Counter("http_409");
export const rateLimited = new Counter("http_429");
export const serverErrors = new Counter("http_5xx");
export const seatSales = new Counter("seat_sales");
export const timeToAdmission = new Trend("time_to_admission", true);

export function count(response: RefinedResponse<"text">): RefinedResponse<"text"> {
  const tags = { step: String(response.request.url.split("?")[0]?.split("/").slice(-1)[0] ?? "") };
  if (response.status === 409) conflicts.add(1, tags);
  else if (response.status === 429) rateLimited.add(1, tags);
  else if (response.status >= 500) serverErrors.add(1, tags);
  return response;
}

export interface Joined {
  ticket: string;
  ticketNumber: number;
  admitted: boolean;
}

export interface Claimed {
  activeToken: string;
  sessionId: string;
}

export function join(): Joined | null {
  const r = count(http.post(`${BASE_URL}/queue/${EVENT_ID}/join`, null, { tags: { step: "join" } }));
  if (r.status !== 200 && r.status !== 201) return null;
  return r.json() as unknown as Joined;
}

const ticketHeaders = (ticket: string) => ({ "x-queue-ticket": ticket });

/** Polls /status every `everySeconds` until admitted or `maxSeconds` pass (the fallback of the SSE stream). */
export function waitByPolling(ticket: string, maxSeconds: number, everySeconds = 2): boolean {
  const started = Date.now();
  while (Date.now() - started < maxSeconds * 1000) {
    const r = count(http.get(`${BASE_URL}/queue/${EVENT_ID}/status`, { headers: ticketHeaders(ticket), tags: { step: "status" } }));
    if (r.status === 200 && (r.json("admitted") as boolean)) {
      timeToAdmission.add(Date.now() - started);
      return true;
    }
    sleep(everySeconds);
  }
  return false;
}

export function claim(ticket: string): Claimed | null {
  const r = count(http.post(`${BASE_URL}/queue/${EVENT_ID}/claim`, null, { headers: ticketHeaders(ticket), tags: { step: "claim" } }));
  if (r.status !== 200) return null;
  return r.json() as unknown as Claimed;
}

export const authHeaders = (token: string) => ({ authorization: `Bearer ${token}`, "content-type": "application/json" });

export function hold(token: string, seatIds: string[]): { holdId: string } | null {
  const r = count(http.post(`${BASE_URL}/api/events/${EVENT_ID}/holds`, JSON.stringify({ seatIds }), { headers: authHeaders(token), tags: { step: "hold" } }));
  return r.status === 201 ? (r.json() as unknown as { holdId: string }) : null;
}

export function purchase(token: string, holdId: string, idempotencyKey: string): { orderId: string } | null {
  const r = count(
    http.post(`${BASE_URL}/api/events/${EVENT_ID}/holds/${holdId}/purchase`, null, {
      headers: { ...authHeaders(token), "idempotency-key": idempotencyKey },
      tags: { step: "purchase" },
    }),
  );
  if (r.status !== 201) return null;
  seatSales.add(1);
  return r.json() as unknown as { orderId: string };
}

/** Active tokens minted for a staging event (`bun run token:mint -- --event <id> --count N > tokens.txt`), one per line. */
export function readTokens(text: string): string[] {
  return text.split("\n").map((l) => l.trim()).filter(Boolean);
}
