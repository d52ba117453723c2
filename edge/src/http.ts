/** Small HTTP helpers: JSON bodies, `{ code, message }` errors, cookies. */
export function json(body: unknown, status = 200, headers: HeadersInit = {}): Response {
  const h = new Headers(headers);
  h.set("content-type", "application/json; charset=utf-8");
  if (!h.has("cache-control")) h.set("cache-control", "no-store");
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

function isLocalHost(url: URL): boolean {
  return url.hostname === "localhost" || url.hostname === "127.0.0.1" || url.hostname === "[::1]";
}

/** An HttpOnly, SameSite=Lax cookie; Secure everywhere except plain-http localhost. */
export function cookie(request: Request, name: string, value: string, maxAgeSeconds: number): string {
  const url = new URL(request.url);
  const secure = url.protocol === "https:" || !isLocalHost(url);
  return `${name}=${value}; Path=/; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;
}

export function clientIp(request: Request): string | null {
  return request.headers.get("cf-connecting-ip");
}
