/**
 * The infinite queue: what a join without a good solution gets when the organiser chose
 * `challengeFailure: infinite`. The client is given a ticket like any other, whose place
 * shows a position, a stream and a wait, but it is in no line: its ticket id is made by
 * the edge so that only the edge can tell it apart (16 random-looking bytes: 6 random, the
 * position it was shown masked with an HMAC of those, and a tag of the same HMAC), so no
 * Redis key ever holds it. Every route that reads a ticket asks `infinitePlace` first and
 * answers such a ticket from here: the position never moves, the claim says "not your turn",
 * the origin is never reached, and nothing is written to Redis (a ticket of an infinite
 * place must never reach the scripts: its number would count as a fan's).
 */
import { challengeSecret } from "./challenge.ts";
import type { Env } from "./env.ts";
import { fanView, type FanView, type Snapshot } from "./snapshot.ts";

const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(env: Env): Promise<CryptoKey> {
  const secret = `infinite:${challengeSecret(env)}`;
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    if (keys.size > 8) keys.clear();
    keys.set(secret, key);
  }
  return key;
}

const b64url = (b: Uint8Array) => btoa(String.fromCharCode(...b)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

function unb64url(s: string): Uint8Array | null {
  try {
    const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/** A ticket id for an infinite place shown at `position`: as long as a real one (edge/src/auth.ts randomId), indistinguishable without the secret. */
export async function infiniteTicketId(env: Env, position: number): Promise<string> {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes.subarray(0, 6));
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(env), bytes.subarray(0, 6)));
  const p = Math.max(1, Math.min(0xffffffff, Math.floor(position)));
  const shown = [(p >>> 24) & 255, (p >>> 16) & 255, (p >>> 8) & 255, p & 255];
  for (let i = 0; i < 4; i++) bytes[6 + i] = shown[i]! ^ mac[i]!;
  bytes.set(mac.subarray(4, 10), 10);
  return b64url(bytes);
}

/** The position an infinite place shows, when `tid` is one (null for every real ticket id). */
export async function infinitePlace(env: Env, tid: string): Promise<{ position: number } | null> {
  if (tid.length !== 22) return null;
  const bytes = unb64url(tid);
  if (!bytes || bytes.length !== 16) return null;
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(env), bytes.subarray(0, 6)));
  let same = 0;
  for (let i = 0; i < 6; i++) same |= mac[4 + i]! ^ bytes[10 + i]!;
  if (same !== 0) return null;
  let p = 0;
  for (let i = 0; i < 4; i++) p = p * 256 + (bytes[6 + i]! ^ mac[i]!);
  return { position: p };
}

/** What an infinite place shows now: the line's status and size as they are, its own position frozen. */
export function infiniteView(s: Snapshot, eventId: string, num: number, position: number, admitRate: number | null, refreshIntervalSeconds: number): FanView {
  const real = fanView(s, eventId, num, admitRate, refreshIntervalSeconds, 0);
  const rate = s.status === "open" ? admitRate : null;
  const waitTimeSeconds = rate && rate > 0 ? Math.ceil(position / rate) : null;
  const waitMinutes = waitTimeSeconds === null ? null : Math.ceil(waitTimeSeconds / 60);
  return {
    ...real,
    position,
    ahead: position - 1,
    behind: Math.max(0, s.waiting - position),
    waiting: Math.max(s.waiting, position),
    waitTimeKnown: waitTimeSeconds !== null,
    waitTime: waitMinutes,
    waitTimeSeconds,
    waitTimeFormatted: waitTimeSeconds === null ? "unknown" : waitTimeSeconds < 60 ? "less than a minute" : waitMinutes === 1 ? "1 minute" : `${waitMinutes} minutes`,
  };
}
