/**
 * The active-token guard: `{ activeToken: true }` on a route requires
 * `Authorization: Bearer <active token>`, verified with the edge's public keys, issued for
 * the route's `:eventId` when it has one. It resolves `session` ({ sid, eventId }).
 *
 * When the origin has ORIGIN_AUTH_SECRET set, the request must also carry one of those
 * secrets in `X-Origin-Auth` (the edge sets it), compared in constant time: a valid token
 * alone, sent straight to the origin, is not enough.
 *
 * Whether the session is still live (not revoked, not expired) is checked by the service
 * in the same Redis call as the work itself (the hold script, the seat map pipeline), so
 * the guard adds no round trip of its own.
 *
 * A token of one room is accepted on an event the room covers (common/room-routes.ts): the
 * session then names the route's event and, in `room`, the room whose line admitted it; a
 * token of any other event is refused as before (TOKEN_WRONG_EVENT). Only a refused session costs more: services
 * then ask whether Redis lost it (admission/session-recovery.ts), which needs the
 * token's `iat` and `exp`.
 */
import { timingSafeEqual } from "node:crypto";
import { Elysia } from "elysia";
import type { ActiveTokenClaims } from "../../../common/tokens.ts";
import type { RoomRoutesReader } from "../auth/room-routes.ts";
import type { TokenVerifier } from "../auth/token-verifier.ts";
import { NotFromEdgeError, TokenInvalidError, TokenMissingError, TokenWrongEventError } from "../errors.ts";

export interface ActiveSession {
  sid: string;
  eventId: string;
  /** whose per-customer ticket count this session's seats are in: the token's `cus`, else the session id */
  customer: string;
  /** when the token was issued and when it expires (s): what re-registers a session after Redis lost it */
  iat: number;
  exp: number;
  /** the only seat tier this session may hold (its access code's); undefined = any */
  tier?: string;
  /** a bypass rule's staff session (the token's `staff`): brought back as staff after Redis lost it */
  staff?: boolean;
  /** when the route's event is covered by another event's room: that room (the token's event), whose `active` the session lives in */
  room?: string;
}

export const ORIGIN_AUTH_HEADER = "x-origin-auth";

function bearer(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i.exec(header.trim());
  return match ? match[1]! : null;
}

const digest = (value: string) => Bun.SHA256.hash(value) as Uint8Array;

/** A check of `X-Origin-Auth` against the configured secrets; digests make every comparison the same length. */
export function originAuthCheck(secrets: string[]): (header: string | undefined) => boolean {
  const expected = secrets.map(digest);
  return (header) => {
    if (expected.length === 0) return true;
    if (!header) return false;
    const given = digest(header);
    let ok = false;
    for (const e of expected) ok = timingSafeEqual(given, e) || ok;
    return ok;
  };
}

export function activeTokenPlugin(verifier: TokenVerifier, originAuthSecrets: string[] = [], rooms?: RoomRoutesReader) {
  const fromEdge = originAuthCheck(originAuthSecrets);
  const of = (claims: ActiveTokenClaims, eventId: string, room?: string): { session: ActiveSession } => ({
    session: { sid: claims.sid, eventId, customer: claims.cus ?? claims.sid, iat: claims.iat, exp: claims.exp, ...(typeof claims.tier === "string" ? { tier: claims.tier } : {}), ...(claims.staff === true ? { staff: true } : {}), ...(room ? { room } : {}) },
  });
  const session = (claims: ActiveTokenClaims | null, params: unknown): { session: ActiveSession } | Promise<{ session: ActiveSession }> => {
    if (!claims) throw new TokenInvalidError();
    const routeEvent = (params as Record<string, string | undefined>).eventId;
    if (routeEvent === undefined || claims.evt === routeEvent) return of(claims, claims.evt);
    if (!rooms) throw new TokenWrongEventError();
    // another event's token: good only when that event's room covers this one
    return rooms.roomOf(routeEvent).then((room) => {
      if (room !== claims.evt) throw new TokenWrongEventError();
      return of(claims, routeEvent, room);
    });
  };
  return new Elysia({ name: "active-token", seed: crypto.randomUUID() }).macro({
    activeToken: {
      // Reads the two headers it needs from the request itself, so a route that uses no
      // other header skips building Elysia's headers object. A token verified before is
      // answered from the verifier's cache without a promise.
      resolve({ request, params }): { session: ActiveSession } | Promise<{ session: ActiveSession }> {
        if (!fromEdge(request.headers.get(ORIGIN_AUTH_HEADER) ?? undefined)) throw new NotFromEdgeError();
        const token = bearer(request.headers.get("authorization") ?? undefined);
        if (!token) throw new TokenMissingError();
        const cached = verifier.cached(token);
        if (cached !== undefined) return session(cached, params);
        return verifier.verify(token).then((claims) => session(claims, params));
      },
    },
  });
}
