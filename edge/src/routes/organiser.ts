/**
 * GET /organiser/events/:eventId: the organiser dashboard page, and its static assets
 * (uPlot and the page script) under /organiser/assets/. The page needs no key to load;
 * every data call it makes goes through /admin/* with the admin key.
 */
import { EVENT_ID_PATTERN } from "../../../common/keys.ts";
import uplotCss from "../assets/uPlot.min.css.txt";
import uplotJs from "../assets/uPlot.iife.min.js.txt";
import { IMMUTABLE } from "../assets.ts";
import { DASHBOARD_SCRIPT, dashboardPage, dashboardScriptUrl, UPLOT_VERSION } from "../dashboard-page.ts";
import { error } from "../http.ts";

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

/** The page runs only its own scripts and talks only to this origin. */
const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Every URL is versioned (uPlot by its version, the page script by a hash of its text), so all are cached for a year. */
export const ASSETS: Record<string, { body: string; type: string }> = {
  [`/organiser/assets/uplot-${UPLOT_VERSION}.min.js`]: { body: uplotJs, type: "text/javascript; charset=utf-8" },
  [`/organiser/assets/uplot-${UPLOT_VERSION}.min.css`]: { body: uplotCss, type: "text/css; charset=utf-8" },
  [dashboardScriptUrl()]: { body: DASHBOARD_SCRIPT, type: "text/javascript; charset=utf-8" },
};

function notAllowed(): Response {
  return error(405, "METHOD_NOT_ALLOWED", "Use GET.", { allow: "GET, HEAD" });
}

/** null when the path is not the organiser's. */
export function organiser(request: Request, path: string): Response | null {
  if (!path.startsWith("/organiser/")) return null;
  const asset = ASSETS[path];
  const pageMatch = /^\/organiser\/events\/([^/]+)\/?$/.exec(path);
  if (!asset && !pageMatch) return error(404, "NOT_FOUND", "No such page.");
  if (request.method !== "GET" && request.method !== "HEAD") return notAllowed();
  const body = (text: string) => (request.method === "HEAD" ? null : text);
  if (asset) {
    return new Response(body(asset.body), {
      headers: {
        "content-type": asset.type,
        "cache-control": IMMUTABLE,
        ...SECURITY_HEADERS,
      },
    });
  }
  const eventId = pageMatch![1]!;
  if (!EVENT_ID_PATTERN.test(eventId)) return error(404, "NO_SUCH_EVENT", "Event ids are 1-64 letters, digits, '-' or '_'.");
  return new Response(body(dashboardPage(eventId)), {
    headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "content-security-policy": PAGE_CSP, ...SECURITY_HEADERS },
  });
}
