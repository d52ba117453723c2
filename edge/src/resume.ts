/**
 * The resume link: a short signed code that names a waiting place, so the fan can put it
 * on another device (scan the QR code the waiting page draws, or type the link). The code
 * is `<ticket id>.<signature>`, or `<ticket id>.<customer>.<signature>` for a place proved
 * with an identity (the ticket's `cus`, a keyed hash: docs/IDENTITY.md), so the moved place
 * keeps it: the signature is an HMAC of the event, ticket id and customer with the ticket
 * secret (any of them verifies, as for tickets), cut to 96 bits, so nobody can make a link
 * for a place they do not hold, nor give a place another identity. Opening it moves the place
 * to a fresh ticket id (only the device that opened it holds it) and the old one is told
 * (movePlace-6.lua); the device holding the place shows a link of its own ticket id, so a
 * link is good for the place while its ticket still holds it.
 */
import type { Env } from "./env.ts";

const SIGNATURE_BYTES = 12;
const CODE = /^([A-Za-z0-9_-]{10,64})(?:\.([A-Za-z0-9_-]{43}))?\.([A-Za-z0-9_-]{16})$/;

const secrets = (env: Env) => env.TICKET_SECRET.split(",").map((s) => s.trim()).filter(Boolean);

const keys = new Map<string, Promise<CryptoKey>>();
function key(secret: string): Promise<CryptoKey> {
  let k = keys.get(secret);
  if (!k) {
    k = crypto.subtle.importKey("raw", new TextEncoder().encode(`concert-u/resume/${secret}`), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]) as Promise<CryptoKey>;
    keys.set(secret, k);
  }
  return k;
}

function base64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function signature(secret: string, eventId: string, tid: string, cus: string | null): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await key(secret), new TextEncoder().encode(cus ? `${eventId}/${tid}/${cus}` : `${eventId}/${tid}`));
  return base64url(new Uint8Array(mac).slice(0, SIGNATURE_BYTES));
}

/** The code of the resume link of ticket `tid` of an event; `cus`: the identity the place was proved with (the ticket's), if any. */
export async function resumeCode(env: Env, eventId: string, tid: string, cus: string | null = null): Promise<string> {
  const named = cus && CUSTOMER.test(cus) ? cus : null;
  return `${tid}.${named ? `${named}.` : ""}${await signature(secrets(env)[0]!, eventId, tid, named)}`;
}

/** A ticket's `cus`: the 43 base64url characters of an identity's keyed hash (common/identity.ts). */
const CUSTOMER = /^[A-Za-z0-9_-]{43}$/;

/** What a good resume code names: the place's ticket id and the customer its place was proved as (null: none). */
export interface ResumedPlace {
  tid: string;
  cus: string | null;
}

/** The resume link's path (the page turns it into a full URL for the QR code). */
export const resumePath = (eventId: string, code: string) => `/queue/${eventId}/resume/${code}`;

/** The place a resume code names, when its signature is good for this event; else null. */
export async function readResumeCode(env: Env, eventId: string, code: string): Promise<ResumedPlace | null> {
  const m = CODE.exec(code);
  if (!m) return null;
  const [, tid, cus, given] = m as unknown as [string, string, string | undefined, string];
  for (const secret of secrets(env)) {
    const expected = await signature(secret, eventId, tid, cus ?? null);
    // equal length by the pattern; compare every character, not up to the first difference
    let diff = 0;
    for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ given.charCodeAt(i);
    if (diff === 0) return { tid, cus: cus ?? null };
  }
  return null;
}
