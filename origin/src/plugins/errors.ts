/**
 * The one place errors become responses: typed AppErrors keep their status and code,
 * Elysia's validation (of the request), parse and not-found errors become 4xx
 * `{ code, message }`, and anything else (an answer that fails its own response schema
 * too) is logged with its request id and answered with a plain 500.
 */
import { Elysia, ValidationError } from "elysia";
import { isConnectionError } from "../db/errors.ts";
import { AppError, errorBody, InvalidBodyError, ServiceUnavailableError } from "../errors.ts";

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

/** Redis or MySQL could not be reached (ioredis fails fast, and flushes commands in flight when the connection drops; mysql2 connection errors). */
function storeUnavailable(error: unknown): boolean {
  if (isConnectionError(error)) return true;
  const message = error instanceof Error ? error.message : String(error);
  return /Connection is closed|Stream isn't writeable|Command timed out|ECONNREFUSED|enableOfflineQueue|max retries per request/i.test(message);
}

function internalError(error: unknown, request: Request, set: { status?: number | string }) {
  const requestId = request.headers.get("x-request-id") ?? "-";
  console.error(`[${requestId}] ${request.method} ${new URL(request.url).pathname} failed:`, error);
  set.status = 500;
  return { code: "INTERNAL", message: "Something went wrong on our side; please try again." };
}

export const errorsPlugin = new Elysia({ name: "errors" })
  .error({ AppError })
  .onError({ as: "global" }, ({ code, error, set, request }) => {
    if (error instanceof AppError) {
      set.status = error.status;
      if (error instanceof ServiceUnavailableError && error.retryAfterSeconds !== undefined) set.headers["retry-after"] = String(error.retryAfterSeconds);
      return errorBody(error);
    }
    switch (code) {
      case "VALIDATION":
        // an answer that fails its own schema is our fault, not the caller's
        if (error.type === "response") return internalError(error, request, set);
        set.status = 400;
        return { code: "INVALID_REQUEST", message: validationMessage(error) };
      case "PARSE":
        set.status = 400;
        // a refusal from our own body parser (plugins/json-body.ts) arrives wrapped
        if (error.cause instanceof AppError) return errorBody(error.cause);
        return errorBody(new InvalidBodyError("The request body could not be parsed (expected JSON)."));
      case "NOT_FOUND":
        set.status = 404;
        return { code: "NOT_FOUND", message: `No route ${request.method} ${new URL(request.url).pathname}.` };
      case "INVALID_COOKIE_SIGNATURE":
        set.status = 400;
        return { code: "INVALID_REQUEST", message: "Invalid cookie." };
      default: {
        if (storeUnavailable(error)) {
          set.status = 503;
          return { code: "SERVICE_UNAVAILABLE", message: "A data store is unavailable right now; please try again shortly." };
        }
        return internalError(error, request, set);
      }
    }
  });
