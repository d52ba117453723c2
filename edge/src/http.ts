/** Small HTTP helpers: JSON bodies, `{ code, message }` errors, cookies. */
export function json(body: unknown, status = 200, headers: HeadersInit = {}): Response {
  // every join answers through here: a plain object of lower-case names (what the routes
  // pass) skips building a Headers twice
  if (headers instanceof Headers || Array.isArray(headers)) {
    const h = new Headers(headers);
    h.set("content-type", "application/json; charset=utf-8");
    if (!h.has("cache-control")) h.set("cache-control", "no-store");
    return new Response(JSON.stringify(body), { status, headers: h });
  }
  const h: Record<string, string> = { "cache-control": "no-store" };
  const given = headers as Record<string, string>;
  for (const name in given) h[name.toLowerCase()] = given[name]!;
  h["content-type"] = "application/json; charset=utf-8";
  return new Response(JSON.stringify(body), { status, headers: h });
}

export function error(status: number, code: string, message: string, headers: HeadersInit = {}): Response {
  return json({ code, message }, status, headers);
}

export function readCookie(request: Request, name: string): string | null {
  const header = request.headers.get("cookie");
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || null;
  }
  return null;
}

/** All cookies whose name starts with `prefix`, as [suffix, value]. */
export function cookiesWithPrefix(request: Request, prefix: string): Array<[string, string]> {
  const header = request.headers.get("cookie");
  if (!header) return [];
  const out: Array<[string, string]> = [];
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    const name = part.slice(0, Math.max(eq, 0)).trim();
    if (eq > 0 && name.startsWith(prefix)) out.push([name.slice(prefix.length), part.slice(eq + 1).trim()]);
  }
  return out;
}

/** The host of an absolute http(s) URL, without port, as URL's hostname gives it (IPv6 in brackets). */
function hostnameOf(url: string): string {
  const start = url.indexOf("//") + 2;
  let end = start;
  while (end < url.length && url[end] !== "/" && url[end] !== "?" && url[end] !== "#") end++;
  const host = url.slice(start, end).toLowerCase();
  if (host.startsWith("[")) return host.slice(0, host.indexOf("]") + 1);
  const colon = host.indexOf(":");
  return colon < 0 ? host : host.slice(0, colon);
}

function isLocalHost(hostname: string): boolean {
  return hostname === "localhost" || hostname === "127.0.0.1" || hostname === "[::1]";
}

/** An HttpOnly, SameSite=Lax cookie; Secure everywhere except plain-http localhost. */
export function cookie(request: Request, name: string, value: string, maxAgeSeconds: number): string {
  // a new place sets one: read the scheme and host off the string, without parsing a URL
  const secure = request.url.startsWith("https:") || !isLocalHost(hostnameOf(request.url));
  return `${name}=${value}; Path=/; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;
}

export function clientIp(request: Request): string | null {
  return request.headers.get("cf-connecting-ip");
}
