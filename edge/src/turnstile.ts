/**
 * Turnstile before a new place (the event's `challenge` = `turnstile`): the waiting page
 * shows Cloudflare's widget, and the token it gives is checked here with siteverify
 * (TURNSTILE_VERIFY_URL, a local stand-in in tests) with the secret binding. A token that
 * siteverify accepts is spent by the join script like a proof-of-work solution (its id is a
 * hash of the token), so it buys one place, once, whatever siteverify remembers. When
 * siteverify cannot be reached or answers nonsense, the join is told so (503), never
 * let in and never sent to the infinite queue.
 */
import type { GoodSolution } from "./challenge.ts";
import { config, type Env } from "./env.ts";

/** The header a join carries the widget's token in. */
export const TURNSTILE_HEADER = "x-turnstile-token";

export type TurnstileCheck = { ok: true; solution: GoodSolution } | { ok: false; reason: "invalid" | "unavailable"; errorCodes?: string[] };

async function tokenId(token: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)));
  return `turnstile:${[...digest.subarray(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export async function checkTurnstile(env: Env, token: string, ip: string | null): Promise<TurnstileCheck> {
  const { turnstileVerifyUrl, turnstileTimeoutMs } = config(env);
  const secret = env.TURNSTILE_SECRET_KEY?.trim();
  if (!secret) return { ok: false, reason: "unavailable", errorCodes: ["no-secret-configured"] };
  if (token.length === 0 || token.length > 2048) return { ok: false, reason: "invalid", errorCodes: ["invalid-input-response"] };
  const form = new FormData();
  form.append("secret", secret);
  form.append("response", token);
  if (ip) form.append("remoteip", ip);
  let answer: { success?: unknown; "error-codes"?: unknown };
  try {
    const res = await fetch(turnstileVerifyUrl, { method: "POST", body: form, signal: AbortSignal.timeout(turnstileTimeoutMs) });
    if (!res.ok) return { ok: false, reason: "unavailable", errorCodes: [`http-${res.status}`] };
    answer = await res.json();
  } catch {
    return { ok: false, reason: "unavailable" };
  }
  const errorCodes = Array.isArray(answer?.["error-codes"]) ? answer["error-codes"].map(String) : [];
  if (answer?.success !== true) return typeof answer?.success === "boolean" ? { ok: false, reason: "invalid", errorCodes } : { ok: false, reason: "unavailable" };
  return { ok: true, solution: { id: await tokenId(token), difficulty: 0 } };
}
