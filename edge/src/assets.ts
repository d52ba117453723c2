/**
 * Static files of the edge's pages under versioned URLs: the path carries a hash of the
 * content, so a file can be cached for a year (`immutable`) and a new deploy changes the
 * URL instead of waiting for caches. Pages link to `assetUrl(name)`; /favicon.ico, whose
 * URL cannot change, is cached for a day.
 */
import { error } from "./http.ts";
import { FAVICON_ICO, ICON_SVG } from "./icon.ts";

export const IMMUTABLE = "public, max-age=31536000, immutable";

/** FNV-1a (32 bits) of the text, hex: enough to tell two versions of a file apart, and synchronous. */
export function contentHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

/** `/<dir>/<base>-<hash>.<ext>` for a file's text. */
export function versionedPath(dir: string, file: string, text: string): string {
  const dot = file.lastIndexOf(".");
  return `${dir}/${file.slice(0, dot)}-${contentHash(text)}${file.slice(dot)}`;
}

const FILES: Record<string, { body: string; type: string }> = {
  "icon.svg": { body: ICON_SVG, type: "image/svg+xml" },
};
const BY_PATH = new Map(Object.entries(FILES).map(([name, file]) => [versionedPath("/assets", name, file.body), file]));
const URLS = Object.fromEntries(Object.entries(FILES).map(([name, file]) => [name, versionedPath("/assets", name, file.body)]));

/** The versioned URL of a file in FILES. */
export const assetUrl = (name: keyof typeof FILES & string): string => URLS[name]!;

const headers = (type: string, cache: string) => ({ "content-type": type, "cache-control": cache, "x-content-type-options": "nosniff" });

/** /assets/<versioned file> and /favicon.ico; null for any other path. */
export function staticAsset(request: Request, path: string): Response | null {
  const file = BY_PATH.get(path);
  const ico = path === "/favicon.ico";
  if (!file && !ico) return path.startsWith("/assets/") ? error(404, "NOT_FOUND", "No such file.") : null;
  if (request.method !== "GET" && request.method !== "HEAD") return error(405, "METHOD_NOT_ALLOWED", "Use GET.", { allow: "GET, HEAD" });
  const head = request.method === "HEAD";
  if (ico) return new Response(head ? null : FAVICON_ICO, { headers: headers("image/x-icon", "public, max-age=86400") });
  return new Response(head ? null : file!.body, { headers: headers(file!.type, IMMUTABLE) });
}
