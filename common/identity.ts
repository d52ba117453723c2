/**
 * The fan's identity proof (docs/IDENTITY.md): the origin signs one when a fan verified an
 * email code or a passkey, and the edge verifies it offline at the join, with the same
 * IDENTITY_SECRET (HS256). Its subject is `<kind>:<hash>`, the hash a keyed HMAC of the
 * normalised address or of the passkey's user handle: never the address or handle itself,
 * and not one a reader of Redis, MySQL or a token could reverse without the secret.
 */
import { SignJWT, jwtVerify } from "jose";
import { CLOCK_LEEWAY_SECONDS, TOKEN_ISSUER } from "./tokens.ts";

export const IDENTITY_KINDS = ["email", "passkey"] as const;
export type IdentityKind = (typeof IDENTITY_KINDS)[number];
/** How long a proof may be joined with. */
export const IDENTITY_PROOF_TTL_SECONDS = 600;
/** `email:` or `passkey:` and 43 base64url characters (an HMAC-SHA256). */
export const IDENTITY_SUBJECT_PATTERN = /^(email|passkey):[A-Za-z0-9_-]{43}$/;

export interface IdentityProof {
  evt: string;
  /** `<kind>:<hash>`: what joinQueue keeps one place per */
  sub: string;
  kind: IdentityKind;
  /** the hash alone: the customer of the ticket and the session (`cus`) */
  customer: string;
}

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();
function key(secret: string): Promise<CryptoKey> {
  let k = keys.get(secret);
  if (!k) keys.set(secret, (k = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]) as Promise<CryptoKey>));
  return k;
}

function base64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** HMAC-SHA256 of `label` under the secret, base64url: a keyed hash nobody without the secret can link to its input. */
export async function keyedHash(secret: string, label: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.sign("HMAC", await key(secret), encoder.encode(label))));
}

/** An address as one fan writes it many ways: trimmed and lower-cased (dots and `+tags` are kept: providers differ). */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The identity of an address or of a passkey's user handle: `<kind>:<hash>`. */
export async function identitySubject(secret: string, kind: IdentityKind, value: string): Promise<string> {
  return `${kind}:${await keyedHash(secret, `concert-u/identity/${kind}/${value}`)}`;
}

/** The proof's derived key: the proof secret is never used raw, so it signs nothing else. */
const proofKey = (secret: string) => keyedHash(secret, "concert-u/identity/proof-key").then((k) => encoder.encode(k));

export async function signIdentityProof(secret: string, eventId: string, subject: string, nowSeconds = Math.floor(Date.now() / 1000)): Promise<string> {
  return new SignJWT({ typ: "identity", evt: eventId })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(TOKEN_ISSUER)
    .setSubject(subject)
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + IDENTITY_PROOF_TTL_SECONDS)
    .sign(await proofKey(secret));
}

/** The proof's identity for this event; null for anything else (forged, expired, another event's, malformed). */
export async function verifyIdentityProof(secret: string, token: string, eventId: string): Promise<IdentityProof | null> {
  try {
    const { payload } = await jwtVerify(token, await proofKey(secret), {
      algorithms: ["HS256"],
      issuer: TOKEN_ISSUER,
      clockTolerance: CLOCK_LEEWAY_SECONDS,
      maxTokenAge: IDENTITY_PROOF_TTL_SECONDS + CLOCK_LEEWAY_SECONDS,
      requiredClaims: ["exp", "iat", "sub", "evt", "typ"],
    });
    if (payload.typ !== "identity" || payload.evt !== eventId || typeof payload.sub !== "string" || !IDENTITY_SUBJECT_PATTERN.test(payload.sub)) return null;
    const [kind, customer] = payload.sub.split(":") as [IdentityKind, string];
    return { evt: eventId, sub: payload.sub, kind, customer };
  } catch {
    return null;
  }
}
