/**
 * Token formats shared by edge (signs) and origin (verifies). Runs on Workers and Bun.
 *
 * - Queue ticket: HS256, signed and verified by the edge only (`typ: "queue"`).
 * - Active token: ES256 with a `kid`, signed by the edge's private key; the origin
 *   holds only public keys, so it can verify but never mint one.
 *
 * Either may be bound to a key pair the fan's device keeps (`cnf.jkt`, the key's RFC 7638
 * thumbprint, as RFC 9449 binds DPoP tokens): then every claim and /api call with it must
 * carry a proof signed by that key (edge/src/dpop.ts).
 */
import { SignJWT, jwtVerify, importJWK, type JWK, type JWTVerifyGetKey, type CryptoKey } from "jose";

export const TOKEN_ISSUER = "concert-u-edge";
export const ACTIVE_ALG = "ES256";
export const TICKET_ALG = "HS256";
/** Clock skew tolerated between edge and origin, in seconds. */
export const CLOCK_LEEWAY_SECONDS = 5;
/**
 * The oldest a token may be, counted from its `iat`, whatever its `exp` says: the longest
 * session an organiser can set (sessionSeconds, 24 h) and the longest ticket lifetime.
 * A token issued in the future (beyond the leeway) is refused too: the edge never
 * issues one, so it is forged with a leaked key or signed by a clock gone wrong.
 */
export const MAX_TOKEN_AGE_SECONDS = 24 * 60 * 60;

export interface QueueTicketClaims {
  typ: "queue";
  /** event id */
  evt: string;
  /** ticket id (random, unique) */
  tid: string;
  /** queue number at join (arrival order); 0 while in a pre-queue lottery */
  num: number;
  /** the seat tier the access code that gave this place unlocks, when it was for one */
  tier?: string;
  /** customer: the hash of the identity the fan proved for this place (docs/IDENTITY.md), carried on to the active token's `cus` */
  cus?: string;
  /** the device key the place is bound to, if any */
  cnf?: Confirmation;
  iat: number;
  exp: number;
}

export interface ActiveTokenClaims {
  typ: "active";
  evt: string;
  /** session id, registered in Redis `cu:{evt}:active` while the session lives */
  sid: string;
  /**
   * customer: the verified identity's hash (never the address or credential itself), when
   * the fan proved one before their place; every session of one customer shares the
   * event's per-customer ticket limit. Absent: the session is its own customer.
   */
  cus?: string;
  /** the seat tier the fan's access code unlocks: the session may hold only that tier's seats */
  tier?: string;
  /** the device key the session is bound to (the ticket's), if any */
  cnf?: Confirmation;
  /**
   * a staff session a bypass rule gave (admitStaff-3.lua): after Redis lost the line it is
   * registered again as staff (in `staff` too), so it still takes no fan's slot
   */
  staff?: true;
  iat: number;
  exp: number;
}

/** A customer id as tokens carry it and Redis keys name it: base64url, as the identity hashes are. */
export const CUSTOMER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** RFC 9449 confirmation claim: the SHA-256 JWK thumbprint (RFC 7638) of the key a token is bound to. */
export interface Confirmation {
  jkt: string;
}

/** A thumbprint as RFC 7638 gives it for SHA-256: 43 base64url characters. */
const JKT_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** An absent cnf is fine (an unbound token); one that is there must be well formed. */
function validCnf(cnf: unknown): boolean {
  if (cnf === undefined) return true;
  return typeof cnf === "object" && cnf !== null && typeof (cnf as Confirmation).jkt === "string" && JKT_PATTERN.test((cnf as Confirmation).jkt);
}

/** A signing key: a private EC P-256 JWK with its kid. */
export type SigningJwk = JWK & { kid: string };

export function publicJwk(jwk: SigningJwk): JWK {
  const { d: _d, ...pub } = jwk;
  return { ...pub, alg: ACTIVE_ALG, use: "sig" };
}

export async function signActiveToken(
  claims: Omit<ActiveTokenClaims, "typ" | "iat" | "exp">,
  ttlSeconds: number,
  key: SigningJwk,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<string> {
  const privateKey = await importJWK(key, ACTIVE_ALG);
  return new SignJWT({ typ: "active", evt: claims.evt, sid: claims.sid, ...(claims.cus ? { cus: claims.cus } : {}), ...(claims.tier ? { tier: claims.tier } : {}), ...(claims.cnf ? { cnf: { jkt: claims.cnf.jkt } } : {}), ...(claims.staff ? { staff: true } : {}) })
    .setProtectedHeader({ alg: ACTIVE_ALG, kid: key.kid, typ: "JWT" })
    .setIssuer(TOKEN_ISSUER)
    .setIssuedAt(nowSeconds)
    .setNotBefore(nowSeconds)
    .setExpirationTime(nowSeconds + ttlSeconds)
    .sign(privateKey);
}

/**
 * Verifies an active token for one event. Returns null for anything that is not a
 * valid, current active token of that event (forged, expired, other event, wrong typ).
 */
export async function verifyActiveToken(
  token: string,
  keys: JWTVerifyGetKey | CryptoKey | Uint8Array,
  eventId: string,
  currentDate?: Date,
): Promise<ActiveTokenClaims | null> {
  try {
    const { payload } = await jwtVerify(token, keys as JWTVerifyGetKey, {
      algorithms: [ACTIVE_ALG],
      issuer: TOKEN_ISSUER,
      clockTolerance: CLOCK_LEEWAY_SECONDS,
      maxTokenAge: MAX_TOKEN_AGE_SECONDS,
      requiredClaims: ["exp", "iat", "evt", "sid", "typ"],
      currentDate,
    });
    if (payload.typ !== "active" || payload.evt !== eventId || typeof payload.sid !== "string" || !validCnf(payload.cnf)) return null;
    if (payload.cus !== undefined && (typeof payload.cus !== "string" || !CUSTOMER_ID_PATTERN.test(payload.cus))) return null;
    if (payload.staff !== undefined && payload.staff !== true) return null;
    return payload as unknown as ActiveTokenClaims;
  } catch {
    return null;
  }
}

/** Imported HMAC keys by secret: importing one per ticket would cost more than the signature. */
const hmacKeys = new Map<string, Promise<CryptoKey>>();
/** One encoder for the module: a ticket is signed for every new place. */
const utf8 = new TextEncoder();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = hmacKeys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]) as Promise<CryptoKey>;
    hmacKeys.set(secret, key);
  }
  return key;
}

/**
 * Signs a queue ticket with the first of the ticket secrets (HS256). Verification accepts
 * any of them, so a secret can be rotated by prepending the new one.
 */
export async function signQueueTicket(
  claims: Omit<QueueTicketClaims, "typ" | "iat" | "exp">,
  ttlSeconds: number,
  secret: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<string> {
  // Every new place mints a ticket, so this is on the join's hot path: the JWS compact
  // form is written here (fixed header, claims, Web Crypto's HMAC) at about half the CPU
  // of jose's SignJWT; jose still verifies every ticket (verifyQueueTicket, and a test
  // that checks the two agree).
  const payload = { typ: "queue", evt: claims.evt, tid: claims.tid, num: claims.num, ...(claims.tier ? { tier: claims.tier } : {}), ...(claims.cus ? { cus: claims.cus } : {}), ...(claims.cnf ? { cnf: { jkt: claims.cnf.jkt } } : {}), iss: TOKEN_ISSUER, iat: nowSeconds, exp: nowSeconds + ttlSeconds };
  const input = `${TICKET_HEADER}.${base64url(JSON.stringify(payload))}`;
  const signature = await crypto.subtle.sign("HMAC", await hmacKey(secret), utf8.encode(input));
  return `${input}.${base64urlBytes(new Uint8Array(signature))}`;
}

/** base64url of a string of code points below 256 (what JSON.stringify gives for ASCII ids). */
function base64url(text: string): string {
  if (/[^\x00-\x7f]/.test(text)) return base64urlBytes(utf8.encode(text));
  return toBase64url(btoa(text));
}

/** base64url (no padding) of a few bytes: a signature, a digest, a random id. */
export function base64urlBytes(bytes: Uint8Array): string {
  return toBase64url(btoa(String.fromCharCode.apply(null, bytes as unknown as number[])));
}

/** base64 to base64url: one pass over the string rather than three regular expressions. */
function toBase64url(base64: string): string {
  let end = base64.length;
  while (end > 0 && base64.charCodeAt(end - 1) === 61 /* = */) end--;
  let out = "";
  let from = 0;
  for (let i = 0; i < end; i++) {
    const c = base64.charCodeAt(i);
    if (c === 43 /* + */ || c === 47 /* / */) {
      out += base64.slice(from, i) + (c === 43 ? "-" : "_");
      from = i + 1;
    }
  }
  return out + base64.slice(from, end);
}

const TICKET_HEADER = base64url(JSON.stringify({ alg: TICKET_ALG, typ: "JWT" }));

/**
 * Verifies a queue ticket for one event against the current and previous secrets.
 * Returns null for anything that is not a valid, current ticket of that event.
 * The HMAC check is Web Crypto's verify, which compares in constant time.
 */
export async function verifyQueueTicket(
  token: string,
  secrets: readonly string[],
  eventId: string,
  currentDate?: Date,
): Promise<QueueTicketClaims | null> {
  for (const secret of secrets) {
    try {
      const { payload } = await jwtVerify(token, await hmacKey(secret), {
        algorithms: [TICKET_ALG],
        issuer: TOKEN_ISSUER,
        clockTolerance: CLOCK_LEEWAY_SECONDS,
        maxTokenAge: MAX_TOKEN_AGE_SECONDS,
        requiredClaims: ["exp", "iat", "evt", "tid", "num", "typ"],
        currentDate,
      });
      const { typ, evt, tid, num, cnf } = payload;
      if (typ !== "queue" || evt !== eventId || typeof tid !== "string" || !Number.isSafeInteger(num) || (num as number) < 0 || !validCnf(cnf)) return null;
      if (payload.cus !== undefined && (typeof payload.cus !== "string" || !CUSTOMER_ID_PATTERN.test(payload.cus))) return null;
      return payload as unknown as QueueTicketClaims;
    } catch {
      // try the next (older) secret
    }
  }
  return null;
}

/**
 * The session id a claimed ticket becomes: derived from the ticket id, so a ticket claimed
 * again after Redis lost the line (before the claim reached MySQL) comes back as the same
 * session, never as a second one. The ticket id is a random secret of the fan's ticket, so
 * the session id tells nothing about it.
 */
export async function sessionIdFor(ticketId: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`concert-u/session/${ticketId}`));
  return base64urlBytes(new Uint8Array(digest).slice(0, 16));
}
