/**
 * A 200 with a body already serialized to JSON, sent as it is: for bodies one serialization
 * serves many requests (the seat map). Elysia does not validate a returned Response against
 * the route's response schema, so the code building the body must match that schema itself
 * (the seat map's test checks it).
 */
export function jsonResponse(json: string): Response {
  return new Response(json, { headers: { "content-type": "application/json" } });
}
