/**
 * Refuses request bodies larger than MAX_BODY_BYTES before they are read or parsed:
 * 413 `BODY_TOO_LARGE`. Bun's own `maxRequestBodySize` (set in app.ts) stops a chunked
 * body that declares no length at the same size.
 */
import { Elysia } from "elysia";
import { AppError, errorBody } from "../errors.ts";

/** Every origin body is a few hundred bytes; the edge forwards at most 64 KiB. */
export const MAX_BODY_BYTES = 64 * 1024;

export const bodyLimitPlugin = new Elysia({ name: "body-limit" }).onRequest(({ request, set }) => {
  const length = Number(request.headers.get("content-length") ?? 0);
  if (Number.isFinite(length) && length <= MAX_BODY_BYTES) return;
  const error = new AppError("BODY_TOO_LARGE", `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`);
  set.status = error.status;
  set.headers["content-type"] = "application/json";
  return errorBody(error);
});
