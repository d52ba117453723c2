/**
 * `{ fromEdge: true }` on a route: the edge's own calls (no fan token, no admin key), such
 * as recording an access code's redemption before a fan is placed. With ORIGIN_AUTH_SECRET
 * set, the request must carry one of its secrets in `X-Origin-Auth` (constant-time, as
 * for fan routes); else 401 NOT_FROM_EDGE.
 */
import { Elysia } from "elysia";
import { NotFromEdgeError } from "../errors.ts";
import { ORIGIN_AUTH_HEADER, originAuthCheck } from "./active-token.ts";

export function fromEdgePlugin(originAuthSecrets: string[] = []) {
  const fromEdge = originAuthCheck(originAuthSecrets);
  return new Elysia({ name: "from-edge", seed: originAuthSecrets.join(",") }).macro({
    fromEdge: {
      beforeHandle({ request }) {
        if (!fromEdge(request.headers.get(ORIGIN_AUTH_HEADER) ?? undefined)) throw new NotFromEdgeError();
      },
    },
  });
}
