/** GET /.well-known/jwks.json: public keys of the active tokens, every kid still accepted. */
import { activeKeys } from "../auth.ts";
import type { Env } from "../env.ts";
import { json } from "../http.ts";

export function jwks(env: Env): Response {
  return json(activeKeys(env).jwks, 200, { "cache-control": "public, max-age=300" });
}
