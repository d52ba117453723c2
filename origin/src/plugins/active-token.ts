/**
 * The active-token guard: `{ activeToken: true }` on a route requires
 * `Authorization: Bearer <active token>`, verified with the edge's public keys, issued for
 * the route's `:eventId` when it has one. It resolves `session` ({ sid, eventId }).
 *
 * Whether the session is still live (not revoked, not expired) is checked by the service
 * in the same Redis call as the work itself (the hold script, the seat map pipeline), so
 * the guard adds no round trip of its own.
 */
import { Elysia } from "elysia";
import type { TokenVerifier } from "../auth/token-verifier.ts";
import { TokenInvalidError, TokenMissingError, TokenWrongEventError } from "../errors.ts";

export interface ActiveSession {
  sid: string;
  eventId: string;
}

export const ORIGIN_AUTH_HEADER = "x-origin-auth";

function bearer(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i.exec(header.trim());
  return match ? match[1]! : null;
}

export function activeTokenPlugin(verifier: TokenVerifier) {
  return new Elysia({ name: "active-token", seed: crypto.randomUUID() }).macro({
    activeToken: {
      async resolve({ headers, params }): Promise<{ session: ActiveSession }> {
        // Origin authentication (the edge's shared secret in `x-origin-auth`, see
        // ORIGIN_AUTH_HEADER) is checked here, before the token, once it is enforced.
        const token = bearer(headers.authorization);
        if (!token) throw new TokenMissingError();
        const claims = await verifier.verify(token);
        if (!claims) throw new TokenInvalidError();
        const routeEvent = (params as Record<string, string | undefined>).eventId;
        if (routeEvent !== undefined && claims.evt !== routeEvent) throw new TokenWrongEventError();
        return { session: { sid: claims.sid, eventId: claims.evt } };
      },
    },
  });
}
