/**
 * Bypass rules for staff and monitoring, shared by the origin (which keeps them in MySQL and
 * publishes the enabled ones to Redis) and the edge (which matches every request of an event
 * against its cached copy): what a rule is, the header a staff secret comes in, how a secret
 * is hashed (only the hash is stored) and which paths a path rule may name.
 */

/** The request header that carries a staff secret. Never forwarded to the origin. */
export const BYPASS_HEADER = "x-concert-u-bypass";

export const BYPASS_KINDS = ["path", "header", "ip"] as const;
export type BypassKind = (typeof BYPASS_KINDS)[number];

/**
 * One enabled rule as published to Redis (`cu:{e}:bypass:rules`): `value` is the path prefix
 * (path), the hex SHA-256 of the secret (header) or the CIDR range as formatted by
 * common/cidr.ts (ip).
 */
export interface PublishedRule {
  id: string;
  kind: BypassKind;
  value: string;
}

/** Shortest and longest secret: 16 characters (at least 80 bits when generated) to 200. */
export const SECRET_MIN = 16;
export const SECRET_MAX = 200;

/** The secret as sent: visible ASCII, no spaces, of allowed length; null otherwise (such a header is ignored). */
export function normalizeSecret(raw: unknown): string | null {
  if (typeof raw !== "string") return null;
  return raw.length >= SECRET_MIN && raw.length <= SECRET_MAX && /^[\x21-\x7e]+$/.test(raw) ? raw : null;
}

/** hex SHA-256 of `bypass-secret:<eventId>:<secret>`: what MySQL and Redis keep of a staff secret. */
export async function bypassSecretHash(eventId: string, secret: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`bypass-secret:${eventId}:${secret}`)));
  let hex = "";
  for (const b of digest) hex += b.toString(16).padStart(2, "0");
  return hex;
}

/** A generated secret: 32 URL-safe characters (192 bits). */
export function generateSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_");
}

/**
 * Where a path rule may point: strictly under the event's own `/events/<eventId>/`, in
 * canonical form (no dot segments, no encoded slashes, no query), so it can never open the
 * waiting room page itself, another event, the queue routes, /api or /admin.
 */
export function validPathPrefix(eventId: string, prefix: string): boolean {
  const base = `/events/${eventId}/`;
  if (typeof prefix !== "string" || prefix.length > 200 || !prefix.startsWith(base) || prefix.length === base.length) return false;
  const rest = prefix.slice(base.length);
  return /^[A-Za-z0-9._~!$&'()*+,;=:@/-]+$/.test(rest) && !/(^|\/)\.\.?(\/|$)|\/\//.test(rest);
}
