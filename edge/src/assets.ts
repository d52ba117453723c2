/**
 * Static files of the edge's pages under versioned URLs: the path carries a hash of the
 * content (uPlot's, its version), so a file can be cached for a year (`immutable`) and a new
 * deploy changes the URL instead of waiting for caches. The pages' scripts and stylesheet
 * are built from edge/browser by scripts/build-browser.ts (wrangler's `[build]` step) and
 * imported as text; uPlot is vendored by scripts/vendor-uplot.ts. Pages link to
 * `assetUrl(name)`; /favicon.ico, whose URL cannot change, is cached for a day.
 */
import accessCodeJs from "../build/browser/access-code.js.txt";
import identityJs from "../build/browser/identity.js.txt";
import waitlistJs from "../build/browser/waitlist.js.txt";
import dashboardJs from "../build/browser/dashboard.js.txt";
import saleJs from "../build/browser/sale.js.txt";
import siteCss from "../build/browser/site.css.txt";
import powWorkerJs from "../build/browser/pow-worker.js.txt";
import resumeJs from "../build/browser/resume.js.txt";
import waitingRoomJs from "../build/browser/waiting-room.js.txt";
import uplotJs from "./assets/uPlot.iife.min.js.txt";
import uplotCss from "./assets/uPlot.min.css.txt";
import { error } from "./http.ts";
import { FAVICON_ICO, ICON_SVG } from "./icon.ts";

export const IMMUTABLE = "public, max-age=31536000, immutable";

/** uPlot's version (the pinned npm package), in its URLs so a new one is never served from an old cache. */
export const UPLOT_VERSION = "1.6.32";

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

interface StaticFile {
  path: string;
  body: string;
  type: string;
}

const JS = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";
const hashed = (dir: string, file: string, body: string, type: string): StaticFile => ({ path: versionedPath(dir, file, body), body, type });

const FILES = {
  "icon.svg": hashed("/assets", "icon.svg", ICON_SVG, "image/svg+xml"),
  "site.css": hashed("/assets", "site.css", siteCss, CSS),
  "waiting-room.js": hashed("/assets", "waiting-room.js", waitingRoomJs, JS),
  // the waiting room's proof-of-work solver, run as a Web Worker so the page stays responsive
  "pow-worker.js": hashed("/assets", "pow-worker.js", powWorkerJs, JS),
  "resume.js": hashed("/assets", "resume.js", resumeJs, JS),
  "access-code.js": hashed("/assets", "access-code.js", accessCodeJs, JS),
  "identity.js": hashed("/assets", "identity.js", identityJs, JS),
  "waitlist.js": hashed("/assets", "waitlist.js", waitlistJs, JS),
  "sale.js": hashed("/assets", "sale.js", saleJs, JS),
  // the dashboard's files sit under its own path, beside the page that loads them
  "dashboard.js": hashed("/organiser/assets", "dashboard.js", dashboardJs, JS),
  "uplot.js": { path: `/organiser/assets/uplot-${UPLOT_VERSION}.min.js`, body: uplotJs, type: JS },
  "uplot.css": { path: `/organiser/assets/uplot-${UPLOT_VERSION}.min.css`, body: uplotCss, type: CSS },
} satisfies Record<string, StaticFile>;

export type AssetName = keyof typeof FILES;

const BY_PATH = new Map<string, StaticFile>(Object.values(FILES).map((file) => [file.path, file]));

/** The versioned URL of a file in FILES. */
export const assetUrl = (name: AssetName): string => FILES[name].path;

const headers = (type: string, cache: string) => ({ "content-type": type, "cache-control": cache, "x-content-type-options": "nosniff" });

/** /assets/<versioned file>, /organiser/assets/<versioned file> and /favicon.ico; null for any other path. */
export function staticAsset(request: Request, path: string): Response | null {
  const file = BY_PATH.get(path);
  const ico = path === "/favicon.ico";
  if (!file && !ico) return path.startsWith("/assets/") || path.startsWith("/organiser/assets/") ? error(404, "NOT_FOUND", "No such file.") : null;
  if (request.method !== "GET" && request.method !== "HEAD") return error(405, "METHOD_NOT_ALLOWED", "Use GET.", { allow: "GET, HEAD" });
  const head = request.method === "HEAD";
  if (ico) return new Response(head ? null : FAVICON_ICO, { headers: headers("image/x-icon", "public, max-age=86400") });
  return new Response(head ? null : file!.body, { headers: headers(file!.type, IMMUTABLE) });
}
