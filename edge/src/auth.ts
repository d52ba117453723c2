/** Reading and minting the fan's credentials: queue tickets and active tokens. */
import { createLocalJWKSet, type JWTVerifyGetKey } from "jose";
import {
  base64urlBytes,
  publicJwk,
  signActiveToken,
  signQueueTicket,
  verifyActiveToken,
  verifyQueueTicket,
  type ActiveTokenClaims,
  type QueueTicketClaims,
  type SigningJwk,
} from "../../common/tokens.ts";
import { config, type Env } from "./env.ts";
import { readCookie } from "./http.ts";

export const TICKET_COOKIE_PREFIX = "cu_q_";
export const ACTIVE_COOKIE_PREFIX = "cu_act_";
/** Header for apps that keep the ticket themselves instead of in a cookie. */
export const TICKET_HEADER = "x-queue-ticket";

export const ticketCookieName = (eventId: string) => `${TICKET_COOKIE_PREFIX}${eventId}`;
export const activeCookieName = (eventId: string) => `${ACTIVE_COOKIE_PREFIX}${eventId}`;

interface Keys {
  signing: SigningJwk;
  jwks: { keys: ReturnType<typeof publicJwk>[] };
  verify: JWTVerifyGetKey;
}
const keyCache = new Map<string, Keys>();

export function activeKeys(env: Env): Keys {
  let keys = keyCache.get(env.ACTIVE_SIGNING_KEYS);
  if (!keys) {
    const parsed = JSON.parse(env.ACTIVE_SIGNING_KEYS) as SigningJwk[];
    if (!Array.isArray(parsed) || parsed.length === 0 || parsed.some((k) => typeof k.kid !== "string" || !k.d)) {
      throw new Error("ACTIVE_SIGNING_KEYS must be a JSON array of private JWKs with kid");
    }
    const jwks = { keys: parsed.map(publicJwk) };
    keys = { signing: parsed[0]!, jwks, verify: createLocalJWKSet(jwks) };
    keyCache.set(env.ACTIVE_SIGNING_KEYS, keys);
  }
  return keys;
}

const ticketSecrets = (env: Env) => env.TICKET_SECRET.split(",").map((s) => s.trim()).filter(Boolean);

/** The fan's queue ticket for an event (`X-Queue-Ticket` header, else cookie), if valid. */
export async function readTicket(
  request: Request,
  env: Env,
  eventId: string,
): Promise<{ token: string; claims: QueueTicketClaims } | null> {
  const token = request.headers.get(TICKET_HEADER) ?? readCookie(request, ticketCookieName(eventId));
  if (!token) return null;
  const claims = await verifyQueueTicket(token, ticketSecrets(env), eventId);
  return claims ? { token, claims } : null;
}

/**
 * `tier`: the seat tier the access code that gave the place unlocks (carried on to the active
 * token); `cus`: the hash of the identity proved for the place (docs/IDENTITY.md); `jkt`: the thumbprint of the device key the place is bound to (edge/src/dpop.ts).
 */
export function mintTicket(env: Env, eventId: string, tid: string, num: number, bound: { tier?: string | null; jkt?: string | null; cus?: string | null } = {}): Promise<string> {
  const { tier, jkt, cus } = bound;
  return signQueueTicket({ evt: eventId, tid, num, ...(tier ? { tier } : {}), ...(cus ? { cus } : {}), ...(jkt ? { cnf: { jkt } } : {}) }, config(env).ticketTtlSeconds, ticketSecrets(env)[0]!);
}

/** The token of `Authorization: Bearer <token>`, or `DPoP <token>` (RFC 9449's scheme for a bound token). */
export function bearer(request: Request): string | null {
  const m = /^(?:Bearer|DPoP)\s+(\S+)$/i.exec(request.headers.get("authorization") ?? "");
  return m ? m[1]! : null;
}

/**
 * The fan's active token for an event, if valid: `Authorization: Bearer` (apps, or a page
 * that names its session) when it holds a valid token of the event, else the cookie. The
 * explicit header wins because a browser keeps sending a cookie of an ended session (the
 * edge cannot tell ended from live: only the origin knows) long after an app got a new one.
 */
export async function readActive(
  request: Request,
  env: Env,
  eventId: string,
): Promise<{ token: string; claims: ActiveTokenClaims } | null> {
  for (const token of [bearer(request), readCookie(request, activeCookieName(eventId))]) {
    if (!token) continue;
    const claims = await verifyActiveToken(token, activeKeys(env).verify, eventId);
    if (claims) return { token, claims };
  }
  return null;
}

/** Signs the active token of a session that ends at `expiresAt` (ms), with the ticket's tier and customer (`cus`), bound to its device key when given; `staff`: a bypass rule's session (so a restore brings it back as staff). */
export function mintActive(env: Env, eventId: string, sid: string, expiresAt: number, bound: { tier?: string; jkt?: string | null; cus?: string | null; staff?: boolean } = {}): Promise<string> {
  const { tier, jkt, cus, staff } = bound;
  const ttlSeconds = Math.max(1, Math.ceil((expiresAt - Date.now()) / 1000));
  return signActiveToken({ evt: eventId, sid, ...(tier ? { tier } : {}), ...(cus ? { cus } : {}), ...(jkt ? { cnf: { jkt } } : {}), ...(staff ? { staff: true as const } : {}) }, ttlSeconds, activeKeys(env).signing);
}

export function randomId(bytes = 16): string {
  return base64urlBytes(crypto.getRandomValues(new Uint8Array(bytes)));
}
