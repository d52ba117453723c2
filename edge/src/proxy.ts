/**
 * Forwarding admitted traffic to the origin. The origin sees only what the edge vouches
 * for: the verified active token, the client IP as Cloudflare saw it, a fresh request id
 * and the origin shared secret. Everything the fan could use to speak for someone else
 * (cookies, forwarding headers, their own copies of those headers) is dropped.
 */
import { config, type Env } from "./env.ts";
import { clientIp, error } from "./http.ts";

const HOP_BY_HOP = ["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "trailers", "transfer-encoding", "upgrade"];
const SPOOFABLE = [
  "cookie",
  "authorization",
  "host",
  "forwarded",
  "x-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-proto",
  "x-forwarded-port",
  "x-real-ip",
  "true-client-ip",
  "x-client-ip",
  "x-request-id",
  "x-origin-auth",
  "x-queue-ticket",
  "x-event-id",
  "content-length",
  // the fan's device-key proof: checked here, of no use upstream
  "dpop",
  // a staff secret (bypass rules) is the edge's to check; never logged upstream
  "x-concert-u-bypass",
];

export const REQUEST_ID_HEADER = "x-request-id";
export const CLIENT_IP_HEADER = "x-client-ip";
export const ORIGIN_AUTH_HEADER = "x-origin-auth";

function stripHopByHop(headers: Headers) {
  const listed = (headers.get("connection") ?? "").split(",").map((h) => h.trim().toLowerCase()).filter(Boolean);
  for (const h of [...HOP_BY_HOP, ...listed]) headers.delete(h);
}

/**
 * What the origin is shown as the caller's credential: an active token the edge verified
 * (fan routes), or the caller's own Authorization header passed through untouched (admin
 * routes, where the origin checks the admin key), or none at all (a bypass rule's path:
 * the origin answers it as anyone's).
 */
export type Credential = { activeToken: string } | { passAuthorization: true } | { anonymous: true };

/** Headers to send upstream: the fan's own, minus everything spoofable, plus what the edge vouches for. */
export function upstreamHeaders(request: Request, env: Env, credential: string | Credential): Headers {
  const c: Credential = typeof credential === "string" ? { activeToken: credential } : credential;
  const authorization = "activeToken" in c ? `Bearer ${c.activeToken}` : "passAuthorization" in c ? request.headers.get("authorization") : null;
  const headers = new Headers(request.headers);
  stripHopByHop(headers);
  for (const h of SPOOFABLE) headers.delete(h);
  for (const h of [...headers.keys()]) if (h.startsWith("cf-") || h.startsWith("x-forwarded-")) headers.delete(h);
  if (authorization) headers.set("authorization", authorization);
  headers.set(REQUEST_ID_HEADER, crypto.randomUUID());
  const ip = clientIp(request);
  if (ip) headers.set(CLIENT_IP_HEADER, ip);
  // during a rotation the origin accepts old and new; the edge sends the first (newest)
  const originAuth = env.ORIGIN_AUTH_SECRET?.split(",")[0]?.trim();
  if (originAuth) headers.set(ORIGIN_AUTH_HEADER, originAuth);
  return headers;
}

export async function forward(request: Request, env: Env, credential: string | Credential, pathAndQuery: string): Promise<Response> {
  let body: ArrayBuffer | undefined;
  if (request.method !== "GET" && request.method !== "HEAD") {
    const max = config(env).maxBodyBytes;
    const declared = Number(request.headers.get("content-length") ?? "0");
    if (declared > max) return error(413, "BODY_TOO_LARGE", `Request bodies are limited to ${max} bytes.`);
    body = await request.arrayBuffer();
    if (body.byteLength > max) return error(413, "BODY_TOO_LARGE", `Request bodies are limited to ${max} bytes.`);
  }
  const headers = upstreamHeaders(request, env, credential);
  let upstream: Response;
  try {
    upstream = await fetch(new URL(pathAndQuery, env.ORIGIN_URL), { method: request.method, headers, body, redirect: "manual" });
  } catch {
    return error(502, "ORIGIN_UNREACHABLE", "The ticket service cannot be reached; try again shortly.", { "retry-after": "5" });
  }
  const out = new Headers(upstream.headers);
  stripHopByHop(out);
  out.delete("set-cookie");
  out.set(REQUEST_ID_HEADER, headers.get(REQUEST_ID_HEADER)!);
  return new Response(upstream.body, { status: upstream.status, statusText: upstream.statusText, headers: out });
}
