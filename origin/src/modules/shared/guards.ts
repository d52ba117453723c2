/**
 * The two route groups of the origin, each one guard (`.guard(fanRoutes(404))` in a
 * controller): what authenticates the group, the security the OpenAPI document names,
 * and the error answers every route of the group shares, plus the ones a controller's
 * routes all add. A route adds only its own (`errorResponses(409)` in its `response`).
 */
import { adminSecurity, edgeSecurity, fanSecurity } from "../../plugins/openapi.ts";
import { errorResponses } from "./model.ts";

/**
 * Fan routes (the edge forwards them): X-Origin-Auth and an active token. Any of them can
 * refuse a bad request (400), a missing or invalid token (401), an ended session or
 * another event's token (403), a body over 64 KiB (413), fail on our side (500) and meet
 * a store that is down (503).
 */
export const fanRoutes = <const Status extends number = never>(...statuses: Status[]) => ({
  activeToken: true as const,
  detail: { security: fanSecurity },
  response: errorResponses<400 | 401 | 403 | 413 | 500 | 503 | Status>(400, 401, 403, 413, 500, 503, ...statuses),
});

/** Organiser routes: the admin key. Any of them can refuse a bad request (400), a missing admin key (401) or a body over 64 KiB (413), fail on our side (500) and meet a store that is down (503). */
export const adminRoutes = <const Status extends number = never>(...statuses: Status[]) => ({
  adminKey: true as const,
  detail: { security: adminSecurity },
  response: errorResponses<400 | 401 | 413 | 500 | 503 | Status>(400, 401, 413, 500, 503, ...statuses),
});

/** The edge's own calls: X-Origin-Auth alone. Any of them can refuse a bad request (400), a caller that is not the edge (401) or a body over 64 KiB (413), fail on our side (500) and meet a store that is down (503). */
export const edgeRoutes = <const Status extends number = never>(...statuses: Status[]) => ({
  fromEdge: true as const,
  detail: { security: edgeSecurity },
  response: errorResponses<400 | 401 | 413 | 500 | 503 | Status>(400, 401, 413, 500, 503, ...statuses),
});
