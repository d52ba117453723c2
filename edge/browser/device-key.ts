/**
 * The fan's device key for one event: a non-extractable ECDSA P-256 key pair made by the
 * waiting page when it joins and kept in IndexedDB (so a reload keeps the place), with the
 * ticket and active token bound to it. Every claim and /api call the pages make carries a
 * DPoP proof (RFC 9449) signed with it: a copy of the ticket or token in another browser
 * has no key to sign with, and the edge refuses it (edge/src/dpop.ts).
 *
 * The private key never leaves WebCrypto (`extractable: false`); only the public key is
 * exported, into each proof's header. A browser without WebCrypto or IndexedDB gets null
 * from `deviceKey`, and the page joins unbound where the organiser allows it.
 */

export interface DeviceKey {
  eventId: string;
  keys: CryptoKeyPair;
  jwk: JsonWebKey;
  /** the queue ticket bound to this key, once joined */
  ticket?: string;
  /** the active token bound to this key, once claimed */
  activeToken?: string;
}

const DB = "concert-u";
const STORE = "device-keys";

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

async function store(mode: IDBTransactionMode): Promise<IDBObjectStore> {
  const open = indexedDB.open(DB, 1);
  open.onupgradeneeded = () => open.result.createObjectStore(STORE, { keyPath: "eventId" });
  return (await request(open)).transaction(STORE, mode).objectStore(STORE);
}

/** Whether this browser can keep a device key at all. */
export const canBind = () => typeof indexedDB !== "undefined" && typeof crypto !== "undefined" && !!crypto.subtle;

/** The event's device key, made now when there is none and `create`; null when this browser cannot keep one. */
export async function deviceKey(eventId: string, create: boolean): Promise<DeviceKey | null> {
  if (!canBind()) return null;
  try {
    const found = (await request((await store("readonly")).get(eventId))) as DeviceKey | undefined;
    if (found || !create) return found ?? null;
    const keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"])) as CryptoKeyPair;
    const { kty, crv, x, y } = await crypto.subtle.exportKey("jwk", keys.publicKey);
    const made: DeviceKey = { eventId, keys, jwk: { kty, crv, x, y } };
    await request((await store("readwrite")).put(made));
    return made;
  } catch {
    return null;
  }
}

/** Keeps the ticket or token the edge bound to this key. */
export async function remember(key: DeviceKey, tokens: { ticket?: string; activeToken?: string }): Promise<void> {
  Object.assign(key, tokens);
  await request((await store("readwrite")).put(key));
}

const b64url = (bytes: Uint8Array) => {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
};
const text = (value: unknown) => b64url(new TextEncoder().encode(JSON.stringify(value)));

/** The edge's clock minus ours (ms), learnt from a DPOP_STALE answer's Date header. */
let skewMs = 0;

/** Learns the edge's clock from a refused proof; true when a retry may succeed. */
export function learnClock(res: Response): boolean {
  const date = Date.parse(res.headers.get("date") ?? "");
  if (!Number.isFinite(date)) return false;
  skewMs = date - Date.now();
  return true;
}

/** A DPoP proof for one request (`path` on this site); `token`: the ticket or token sent with it. */
export async function proof(key: DeviceKey, method: string, path: string, token?: string): Promise<string> {
  const url = new URL(path, location.href);
  const payload: Record<string, unknown> = {
    htm: method,
    htu: url.origin + url.pathname,
    iat: Math.floor((Date.now() + skewMs) / 1000),
    jti: b64url(crypto.getRandomValues(new Uint8Array(16))),
  };
  if (token) payload.ath = b64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token))));
  const input = text({ typ: "dpop+jwt", alg: "ES256", jwk: key.jwk }) + "." + text(payload);
  const signature = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, key.keys.privateKey, new TextEncoder().encode(input));
  return input + "." + b64url(new Uint8Array(signature));
}
