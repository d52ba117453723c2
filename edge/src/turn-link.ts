/**
 * The turn link: the signed short code in the turn email (docs/COME-BACK.md, "The turn
 * email"), `<ticket id>.<mode>.<signature>`. The signature is an HMAC of the event, ticket
 * id and mode with the ticket secret (any of them verifies), under a purpose of its own, so
 * a resume code is never a turn code; cut to 96 bits. Mode `a`: the link claims the turn on
 * any device; `d`: the place is bound to the device that joined (edge/src/dpop.ts), so the
 * link only opens the waiting page, where that device claims with its key (so does a place
 * an access code limited to one tier: the claim there keeps the tier).
 */
import type { Env } from "./env.ts";

export type TurnLinkMode = "a" | "d";

const SIGNATURE_BYTES = 12;
const CODE = /^([A-Za-z0-9_-]{10,64})\.([ad])\.([A-Za-z0-9_-]{16})$/;

const secrets = (env: Env) => env.TICKET_SECRET.split(",").map((s) => s.trim()).filter(Boolean);

const keys = new Map<string, Promise<CryptoKey>>();
function key(secret: string): Promise<CryptoKey> {
  let k = keys.get(secret);
  if (!k) {
    k = crypto.subtle.importKey("raw", new TextEncoder().encode(`concert-u/turn-link/${secret}`), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]) as Promise<CryptoKey>;
    keys.set(secret, k);
  }
  return k;
}

function base64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function signature(secret: string, eventId: string, tid: string, mode: TurnLinkMode): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await key(secret), new TextEncoder().encode(`${eventId}/${tid}/${mode}`));
  return base64url(new Uint8Array(mac).slice(0, SIGNATURE_BYTES));
}

/** The code of the turn link of ticket `tid` of an event. */
export async function turnLinkCode(env: Env, eventId: string, tid: string, mode: TurnLinkMode): Promise<string> {
  return `${tid}.${mode}.${await signature(secrets(env)[0]!, eventId, tid, mode)}`;
}

export const turnLinkPath = (eventId: string, code: string) => `/queue/${eventId}/turn/${code}`;

/** The ticket a turn code names and its mode, when its signature is good for this event; else null. */
export async function readTurnLinkCode(env: Env, eventId: string, code: string): Promise<{ tid: string; mode: TurnLinkMode } | null> {
  const m = CODE.exec(code);
  if (!m) return null;
  const [, tid, mode, given] = m as unknown as [string, string, TurnLinkMode, string];
  for (const secret of secrets(env)) {
    const expected = await signature(secret, eventId, tid, mode);
    let diff = 0;
    for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ given.charCodeAt(i);
    if (diff === 0) return { tid, mode };
  }
  return null;
}
