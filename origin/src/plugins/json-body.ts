/**
 * Parses JSON bodies, and refuses with 400 `INVALID_BODY` any object in them with its own
 * `toString` or `valueOf` key. Elysia builds a failed validation's message with
 * `${value}`, and for such an object (`{"seatIds":[{"toString":1}]}`) that throws a
 * TypeError instead of a ValidationError: a 500 where the caller deserves a 400. No
 * request body of this API has keys of those names.
 */
import { Elysia } from "elysia";
import { InvalidRequestError } from "../errors.ts";

const SHADOWING_KEYS = new Set(["toString", "valueOf"]);

function shadowsObjectMethods(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (Array.isArray(value)) return value.some(shadowsObjectMethods);
  for (const key of Object.keys(value)) {
    if (SHADOWING_KEYS.has(key) || shadowsObjectMethods((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

export function parseJsonBody(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidRequestError("The request body could not be parsed (expected JSON).", "INVALID_BODY");
  }
  // Only a body that names one of the keys, or escapes characters (and so could spell one), needs the walk.
  if ((text.includes("toString") || text.includes("valueOf") || text.includes("\\u")) && shadowsObjectMethods(value)) {
    throw new InvalidRequestError("Objects in the request body may not have keys named toString or valueOf.", "INVALID_BODY");
  }
  return value;
}

export const jsonBodyPlugin = new Elysia({ name: "json-body" }).onParse({ as: "global" }, async ({ request, contentType }) => {
  if (!contentType.toLowerCase().startsWith("application/json")) return;
  return parseJsonBody(await request.text());
});
