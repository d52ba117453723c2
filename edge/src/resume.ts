/**
 * The resume link: a short signed code that names a waiting place, so the fan can put it
 * on another device (scan the QR code the waiting page draws, or type the link). The code
 * is `<ticket id>.<signature>`, or `<ticket id>.<sealed>.<signature>` for a place whose ticket
 * carries what must move with it: the identity it was proved with (`cus`, docs/IDENTITY.md)
 * and the seat tier an access code unlocked (`tier`). `sealed` is those two encrypted
 * (AES-CTR under a key of the ticket secret's, a fresh random nonce each time a link is
 * made), so the link shows nothing stable about the fan: two links of one place differ, and
 * neither reveals the customer. The signature is an HMAC of the event, ticket id and sealed
 * part with the ticket secret under another purpose (encrypt, then MAC; any of the secrets
 * verifies, as for tickets), cut to 96 bits, so nobody can make a link for a place they do not
 * hold, nor give a place another identity or tier. Links made before the sealed form,
 * `<ticket id>.<customer>.<signature>` with the customer's 43 characters in the clear, are
 * still read while their place waits (a sealed part is never 43 characters long). Opening one
 * moves the place to a fresh ticket id (only the device that opened it holds it) and the old
 * one is told (movePlace-6.lua); the device holding the place shows a link of its own ticket
 * id, so a link is good for the place while its ticket still holds it.
 */
import type { Env } from "./env.ts";

const SIGNATURE_BYTES = 12;
// the middle part: 43 characters, an older link's customer in the clear; any other length, sealed
const CODE = /^([A-Za-z0-9_-]{10,64})(?:\.([A-Za-z0-9_-]{2,200}))?\.([A-Za-z0-9_-]{16})$/;
const LEGACY_CUSTOMER_CHARS = 43;
/** the sealed part: NONCE_BYTES of nonce, then the encrypted [flags, customer (32 bytes, when FLAG_CUSTOMER), tier (UTF-8), a pad byte (when FLAG_PADDED)] */
const NONCE_BYTES = 8;
const CUSTOMER_BYTES = 32;
const FLAG_CUSTOMER = 1;
const FLAG_PADDED = 2;

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

const sealKeys = new Map<string, Promise<CryptoKey>>();
function sealKey(secret: string): Promise<CryptoKey> {
  let k = sealKeys.get(secret);
  if (!k) {
    k = crypto.subtle
      .digest("SHA-256", new TextEncoder().encode(`concert-u/resume-seal/${secret}`))
      .then((raw) => crypto.subtle.importKey("raw", raw, { name: "AES-CTR" }, false, ["encrypt", "decrypt"])) as Promise<CryptoKey>;
    sealKeys.set(secret, k);
  }
  return k;
}

function fromBase64url(s: string): Uint8Array {
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function base64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function signature(secret: string, eventId: string, tid: string, middle: string | null): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await key(secret), new TextEncoder().encode(middle ? `${eventId}/${tid}/${middle}` : `${eventId}/${tid}`));
  return base64url(new Uint8Array(mac).slice(0, SIGNATURE_BYTES));
}

/** What moves with a place: the ticket's customer and access-code tier, either absent. */
export interface Carried {
  cus?: string | null;
  tier?: string | null;
}

/** What a held ticket's claims carry over to a moved place. */
export const carriedBy = (claims: { cus?: string | null; tier?: unknown }): Carried => ({ cus: claims.cus ?? null, tier: typeof claims.tier === "string" ? claims.tier : null });

/** AES-CTR's counter block: the nonce, then a 64-bit block counter from 0. */
const counterOf = (nonce: Uint8Array) => ({ name: "AES-CTR", counter: new Uint8Array([...nonce, 0, 0, 0, 0, 0, 0, 0, 0]), length: 64 });

/** The code of the resume link of ticket `tid` of an event, sealing what its ticket carries (`cus`, `tier`) into it. */
export async function resumeCode(env: Env, eventId: string, tid: string, carried: Carried = {}): Promise<string> {
  const secret = secrets(env)[0]!;
  const cus = carried.cus && CUSTOMER.test(carried.cus) ? fromBase64url(carried.cus) : null;
  const tier = carried.tier && TIER.test(carried.tier) ? new TextEncoder().encode(carried.tier) : new Uint8Array(0);
  if (!cus && tier.length === 0) return `${tid}.${await signature(secret, eventId, tid, null)}`;
  // never 32 bytes in all (43 characters: an older link's customer): one pad byte then
  const padded = NONCE_BYTES + 1 + (cus ? CUSTOMER_BYTES : 0) + tier.length === 32;
  const plain = new Uint8Array([(cus ? FLAG_CUSTOMER : 0) | (padded ? FLAG_PADDED : 0), ...(cus ?? []), ...tier, ...(padded ? [0] : [])]);
  const nonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  const sealed = new Uint8Array(await crypto.subtle.encrypt(counterOf(nonce), await sealKey(secret), plain));
  const middle = base64url(new Uint8Array([...nonce, ...sealed]));
  return `${tid}.${middle}.${await signature(secret, eventId, tid, middle)}`;
}

/** What a sealed part holds, opened with the secret that signed it; null when it does not open to a good payload. */
async function unseal(secret: string, middle: string): Promise<{ cus: string | null; tier: string | null } | null> {
  try {
    const bytes = fromBase64url(middle);
    if (bytes.length < NONCE_BYTES + 1) return null;
    const plain = new Uint8Array(await crypto.subtle.decrypt(counterOf(bytes.slice(0, NONCE_BYTES)), await sealKey(secret), bytes.slice(NONCE_BYTES)));
    const flags = plain[0]!;
    const tierFrom = flags & FLAG_CUSTOMER ? 1 + CUSTOMER_BYTES : 1;
    const tierTo = plain.length - (flags & FLAG_PADDED ? 1 : 0);
    if (tierTo < tierFrom) return null;
    const cus = flags & FLAG_CUSTOMER ? base64url(plain.slice(1, 1 + CUSTOMER_BYTES)) : null;
    const tier = tierTo > tierFrom ? new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(plain.slice(tierFrom, tierTo)) : null;
    if (tier !== null && !TIER.test(tier)) return null;
    return { cus, tier };
  } catch {
    return null;
  }
}

/** A ticket's `cus`: the 43 base64url characters of an identity's keyed hash (common/identity.ts). */
const CUSTOMER = /^[A-Za-z0-9_-]{43}$/;
/** A ticket's `tier`: the access code's seat tier (as the origin's tier names are). */
const TIER = /^[^\u0000-\u001f]{1,64}$/u;

/** What a good resume code names: the place's ticket id, the customer its place was proved as and the tier its access code unlocked (null: none). */
export interface ResumedPlace {
  tid: string;
  cus: string | null;
  tier: string | null;
}

/** The resume link's path (the page turns it into a full URL for the QR code). */
export const resumePath = (eventId: string, code: string) => `/queue/${eventId}/resume/${code}`;

/** The place a resume code names, when its signature is good for this event; else null. */
export async function readResumeCode(env: Env, eventId: string, code: string): Promise<ResumedPlace | null> {
  const m = CODE.exec(code);
  if (!m) return null;
  const [, tid, middle, given] = m as unknown as [string, string, string | undefined, string];
  for (const secret of secrets(env)) {
    const expected = await signature(secret, eventId, tid, middle ?? null);
    // equal length by the pattern; compare every character, not up to the first difference
    let diff = 0;
    for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ given.charCodeAt(i);
    if (diff !== 0) continue;
    if (!middle) return { tid, cus: null, tier: null };
    // an older link: the customer in the clear, no tier
    if (middle.length === LEGACY_CUSTOMER_CHARS) return { tid, cus: middle, tier: null };
    const carried = await unseal(secret, middle);
    return carried ? { tid, ...carried } : null;
  }
  return null;
}
