/**
 * GET /organiser/events/:eventId: the organiser dashboard page (its script and uPlot are
 * static files under /organiser/assets/, see assets.ts). The page needs no key to load;
 * every data call it makes goes through /admin/* with the admin key.
 */
import { EVENT_ID_PATTERN } from "../../../common/keys.ts";
import { dashboardPage } from "../dashboard-page.ts";
import { htmlResponse } from "../html.ts";
import { error } from "../http.ts";

/** null when the path is not the organiser's. */
export function organiser(request: Request, path: string): Response | null {
  if (!path.startsWith("/organiser/")) return null;
  const pageMatch = /^\/organiser\/events\/([^/]+)\/?$/.exec(path);
  if (!pageMatch) return error(404, "NOT_FOUND", "No such page.");
  if (request.method !== "GET" && request.method !== "HEAD") return error(405, "METHOD_NOT_ALLOWED", "Use GET.", { allow: "GET, HEAD" });
  const eventId = pageMatch[1]!;
  if (!EVENT_ID_PATTERN.test(eventId)) return error(404, "NO_SUCH_EVENT", "Event ids are 1-64 letters, digits, '-' or '_'.");
  return htmlResponse(request.method === "HEAD" ? null : dashboardPage(eventId));
}
