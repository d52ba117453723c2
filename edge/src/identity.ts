/**
 * The identity step at the edge (docs/IDENTITY.md): its routes go to the origin, which sends
 * the email codes (SMTP) and keeps the passkeys (MySQL); the edge only checks the proof they
 * give, at the join (routes/place.ts), and shows the step to a fan without a place.
 */
import { eventKeys } from "../../common/keys.ts";
import { identityMode, type IdentityMode } from "../../common/queue-state.ts";
import type { Env } from "./env.ts";
import { error } from "./http.ts";
import { forward } from "./proxy.ts";
import { client } from "./redis.ts";

/** The identity routes, under /queue/:eventId/identity/. */
export const IDENTITY_ACTIONS = ["email", "email/verify", "passkey/register/options", "passkey/register", "passkey/login/options", "passkey/login"] as const;

/**
 * POST /queue/:eventId/identity/<action>: to the origin, as the edge's own call (X-Origin-Auth
 * and the client IP; no fan credential, cookies dropped). The page's Origin header goes along:
 * a passkey is made for the site the fan sees.
 */
export function identityRoute(request: Request, env: Env, eventId: string, action: string): Promise<Response> | Response {
  if (!(IDENTITY_ACTIONS as readonly string[]).includes(action)) return error(404, "NOT_FOUND", "No such page.");
  if (request.method !== "POST") return error(405, "METHOD_NOT_ALLOWED", "Use POST.", { allow: "POST" });
  return forward(request, env, { anonymous: true }, `/queue/${eventId}/identity/${action}`);
}

/** The sale's identity setting, for the page of a fan the join refused for want of one (one HGET, on that path only). */
export async function identityModeOf(env: Env, eventId: string): Promise<IdentityMode> {
  return identityMode(await client(env).redis.hget(eventKeys(eventId).queueState, "identity"));
}
