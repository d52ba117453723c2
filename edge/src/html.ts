/**
 * How every page of the edge is written and sent: text escaped so what the origin wrote
 * about an event is data, never markup; values for a page's script passed as data
 * attributes of <body> (JSON included), since no page carries inline script; one document
 * shell naming the icon and the one stylesheet; and one response helper that sends the
 * strict Content-Security-Policy with every page.
 */
import { assetUrl, type AssetName } from "./assets.ts";

/** Text for HTML (element content or a quoted attribute). */
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A data attribute's value: text as it is, anything else as JSON (the page's script reads
 * it with `pageJson`), escaped either way, so whatever it holds stays text.
 */
const attributeValue = (value: string | object) => escapeHtml(typeof value === "string" ? value : JSON.stringify(value));

/**
 * Pages run only this site's files and talk only to this site: no inline script or style
 * (scripts read their values from data attributes), nothing framed, no forms sent anywhere.
 */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export interface PageParts {
  /** plain text: escaped here */
  title: string;
  /** markup of <body> */
  body: string;
  /** the page's language (BCP 47): <html lang>; English when absent */
  lang?: string;
  /** class of <body>: the stylesheet's section for the page */
  bodyClass: string;
  /** data-* attributes of <body> (name as written in HTML), for the page's script; null ones are left out */
  data?: Record<string, string | object | null>;
  /** stylesheets linked before the site's own, and scripts (at the end of <body>, in order) */
  styles?: AssetName[];
  scripts?: AssetName[];
}

export function renderPage(p: PageParts): string {
  const data = Object.entries(p.data ?? {})
    .filter((entry): entry is [string, string | object] => entry[1] !== null)
    .map(([name, value]) => ` data-${name}="${attributeValue(value)}"`)
    .join("");
  const styles = [...(p.styles ?? []), "site.css" as const].map((name) => `<link rel="stylesheet" href="${assetUrl(name)}">`).join("");
  const scripts = (p.scripts ?? []).map((name) => `<script src="${assetUrl(name)}"></script>`).join("\n");
  return `<!doctype html><html lang="${escapeHtml(p.lang ?? "en")}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(p.title)}</title><link rel="icon" href="${assetUrl("icon.svg")}" type="image/svg+xml">${styles}</head>
<body class="${p.bodyClass}"${data}>${p.body}
${scripts}</body></html>`;
}

/** A page as a response: never cached (it holds the fan's place), with the CSP above. */
export function htmlResponse(body: string | null, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "content-security-policy": PAGE_CSP,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      ...headers,
    },
  });
}
