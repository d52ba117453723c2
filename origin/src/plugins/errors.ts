/**
 * The one place errors become responses, every one `{ code, message }` with a code of the
 * table in errors.ts (its status, its Retry-After): typed AppErrors as they are, Elysia's
 * validation (of the request), parse and not-found errors as 4xx, a data store that did
 * not answer as 503 (told by type: a RedisUnavailableError, a MySQL connection error by
 * its driver fields), and anything else (an answer that fails its own response schema
 * too) logged with its request id and answered with a plain 500.
 */
import { Elysia, ValidationError } from "elysia";
import { isConnectionError } from "../db/errors.ts";
import { AppError, errorBody, InvalidBodyError, InvalidRequestError, RedisUnavailableError } from "../errors.ts";

function validationMessage(error: Readonly<ValidationError>): string {
  try {
    const problems = error.all.slice(0, 3).map((e) => {
      const where = e.path ? e.path.replace(/^\//, "").replace(/\//g, ".") : error.type;
      return `${where}: ${e.message}`;
    });
    if (problems.length > 0) return `Invalid ${error.type}: ${problems.join("; ")}`;
  } catch {
    // fall through to the generic message
  }
  return `Invalid ${error.type}.`;
}

/** Redis or MySQL could not be reached (both clients fail fast; see redis/client.ts and db/errors.ts). */
const storeUnavailable = (error: unknown) => error instanceof RedisUnavailableError || isConnectionError(error);

type Reply = { status?: number | string; headers: Record<string, string | number> };

function answer(error: AppError, set: Reply) {
  set.status = error.status;
  if (error.retryAfterSeconds !== undefined) set.headers["retry-after"] = String(error.retryAfterSeconds);
  return errorBody(error);
}

function internalError(error: unknown, request: Request, set: Reply) {
  const requestId = request.headers.get("x-request-id") ?? "-";
  console.error(`[${requestId}] ${request.method} ${new URL(request.url).pathname} failed:`, error);
  return answer(new AppError("INTERNAL"), set);
}

export const errorsPlugin = new Elysia({ name: "errors" })
  .error({ AppError })
  .onError({ as: "global" }, ({ code, error, set, request }) => {
    if (error instanceof AppError) return answer(error, set);
    switch (code) {
      case "VALIDATION":
        // an answer that fails its own schema is our fault, not the caller's
        if (error.type === "response") return internalError(error, request, set);
        return answer(new InvalidRequestError(validationMessage(error)), set);
      case "PARSE":
        // a refusal from our own body parser (plugins/json-body.ts) arrives wrapped
        if (error.cause instanceof AppError) return answer(error.cause, set);
        return answer(new InvalidBodyError("The request body could not be parsed (expected JSON)."), set);
      case "NOT_FOUND":
        return answer(new AppError("NOT_FOUND", `No route ${request.method} ${new URL(request.url).pathname}.`), set);
      case "INVALID_COOKIE_SIGNATURE":
        return answer(new InvalidRequestError("Invalid cookie."), set);
      default:
        if (storeUnavailable(error)) return answer(new AppError("SERVICE_UNAVAILABLE"), set);
        return internalError(error, request, set);
    }
  });
