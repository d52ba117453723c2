/**
 * The origin speaks JSON only, and every request body it takes is a JSON object:
 *
 * - a request that carries a body under any other content type (text/plain, forms,
 *   multipart, none at all) is refused with 400 `INVALID_BODY` before routing, so no route
 *   can read it as something else (Elysia would hand a route its text, or the defaults of
 *   its schema);
 * - a JSON body that is not an object (`[]`, `"x"`, `null`, `4`) is refused the same way;
 *   Elysia skips validating an optional body that is not a non-empty object;
 * - any object in the body with its own `toString` or `valueOf` key is refused: Elysia
 *   builds a failed validation's message with `${value}`, and for such an object
 *   (`{"seatIds":[{"toString":1}]}`) that throws a TypeError instead of a ValidationError:
 *   a 500 where the caller deserves a 400. So is a `__proto__` key: copied into another
 *   object (Elysia merges a schema's defaults into the body with Object.assign) it becomes
 *   that object's prototype instead of a property the schema can refuse. No request body
 *   of this API has keys of those names.
 *
 * Unknown properties are refused by each body schema (`additionalProperties: false`,
 * with Elysia's normalisation off in app.ts, so they are not silently dropped).
 */
import { Elysia } from "elysia";
import { InvalidBodyError } from "../errors.ts";

const REFUSED_KEYS = new Set(["toString", "valueOf", "__proto__"]);

const isJson = (contentType: string | null) => contentType !== null && contentType.toLowerCase().startsWith("application/json");

/** A body is on its way when its declared length is not zero, or when it has no declared length (chunked) but a stream. */
function carriesBody(request: Request): boolean {
  const length = request.headers.get("content-length");
  if (length !== null) return length.trim() !== "0";
  return request.body !== null;
}

function hasRefusedKey(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (Array.isArray(value)) return value.some(hasRefusedKey);
  for (const key of Object.keys(value)) {
    if (REFUSED_KEYS.has(key) || hasRefusedKey((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

export function parseJsonBody(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidBodyError("The request body could not be parsed (expected JSON).");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidBodyError("The request body must be a JSON object.");
  }
  // Only a body that names one of the keys, or escapes characters (and so could spell one), needs the walk.
  if ((text.includes("toString") || text.includes("valueOf") || text.includes("__proto__") || text.includes("\\u")) && hasRefusedKey(value)) {
    throw new InvalidBodyError("Objects in the request body may not have keys named toString or valueOf, nor __proto__.");
  }
  return value;
}

export const jsonBodyPlugin = new Elysia({ name: "json-body" })
  .onRequest(({ request }) => {
    if (request.method === "GET" || request.method === "HEAD") return;
    if (!isJson(request.headers.get("content-type")) && carriesBody(request)) {
      throw new InvalidBodyError("Request bodies must be JSON, sent with Content-Type: application/json.");
    }
  })
  .onParse({ as: "global" }, async ({ request, contentType }) => {
    if (!isJson(contentType)) return;
    return parseJsonBody(await request.text());
  });
