/**
 * Organisers' own pages for the waiting room's states (waiting, pre-queue, paused, sold
 * out, closed): HTML with `{{position}}`, `{{wait}}` and `{{eventName}}` placeholders. What an
 * organiser uploads is sanitised on the origin before it is kept and again on the edge
 * before it is shown (a copy in Redis proves nothing): an allow-list of plain tags and
 * attributes, everything else dropped or written as text, so no script, no event handler,
 * no style and no `javascript:` URL ever reaches a fan, and the pages' strict
 * Content-Security-Policy stays as it is. A template is the default one of its kind, or one
 * language's (`lang`): the fan's language picks its own, then the default, then the
 * built-in page.
 */

export const TEMPLATE_KINDS = ["waiting", "prequeue", "paused", "soldout", "closed"] as const;
export type TemplateKind = (typeof TEMPLATE_KINDS)[number];
export const TEMPLATE_MAX_LENGTH = 20_000;
/** The languages a template may be given for: the fan pages' catalogues (edge/src/i18n; a test checks the two agree). */
export const TEMPLATE_LANGS = ["en", "ko"] as const;
export type TemplateLang = (typeof TEMPLATE_LANGS)[number];
/**
 * The template's field in the event's Redis hash: the kind for the default one (every
 * language without its own), `kind:lang` for one language's.
 */
export const templateField = (kind: TemplateKind, lang: TemplateLang | null) => (lang ? `${kind}:${lang}` : kind);
export const PLACEHOLDERS = ["position", "wait", "eventName"] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

/** Tags kept (their attributes filtered); void ones have no end tag. */
const TAGS = new Set(["p", "div", "span", "section", "h1", "h2", "h3", "h4", "b", "strong", "i", "em", "u", "small", "br", "hr", "ul", "ol", "li", "a", "img", "blockquote", "figure", "figcaption"]);
const VOID = new Set(["br", "hr", "img"]);
/** Tags dropped with everything inside them. */
const DROPPED_WITH_CONTENT = new Set(["script", "style", "template", "iframe", "object", "embed", "noscript", "textarea", "title", "svg", "math", "select", "xmp", "noembed", "noframes", "plaintext"]);
const ATTRIBUTES: Record<string, Set<string>> = {
  "*": new Set(["class", "title", "lang", "dir", "id"]),
  a: new Set(["href", "hreflang"]),
  img: new Set(["src", "alt", "width", "height"]),
};

const escapeText = (s: string) => s.replace(/[<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** `{` too: placeholders are filled in text only, never inside an attribute. */
const escapeAttribute = (s: string) => s.replace(/[&<>"'`{}]/g, (c) => `&#${c.charCodeAt(0)};`);

const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", colon: ":", tab: "\t", newline: "\n" };

/** An attribute's value as the browser reads it (character references decoded, in one pass), so it is judged and written again as what it is. */
const decodeEntities = (s: string) =>
  s.replace(/&(?:#(\d+)|#x([0-9a-f]+)|([a-z]+));?/gi, (ref, dec: string | undefined, hex: string | undefined, name: string | undefined) => {
    const code = dec !== undefined ? Number(dec) : hex !== undefined ? parseInt(hex, 16) : null;
    if (code !== null) return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : "";
    return NAMED[name!.toLowerCase()] ?? ref;
  });

/** A link or image address kept: http(s), mailto (links only), or one on this site; anything with another scheme (javascript:, data:, vbscript:) is not. */
function safeUrl(value: string, tag: string): boolean {
  // browsers ignore these inside a scheme ("java\tscript:"), so they are ignored here too
  const bare = value.replace(/[\u0000-\u0020\u007f-\u009f]/g, "").toLowerCase();
  const scheme = /^([a-z][a-z0-9+.-]*):/.exec(bare);
  if (!scheme) return !bare.startsWith("//") || tag === "a";
  return scheme[1] === "https" || scheme[1] === "http" || (tag === "a" && scheme[1] === "mailto");
}

function attributes(tag: string, raw: string): string {
  const out: string[] = [];
  for (const m of raw.matchAll(/([^\s"'>\/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g)) {
    const name = m[1]!.toLowerCase();
    const value = decodeEntities(m[2] ?? m[3] ?? m[4] ?? "");
    if (!ATTRIBUTES["*"]!.has(name) && !ATTRIBUTES[tag]?.has(name)) continue;
    if ((name === "href" || name === "src") && !safeUrl(value, tag)) continue;
    out.push(` ${name}="${escapeAttribute(value)}"`);
  }
  // a link to elsewhere opens without handing over this page
  if (tag === "a" && out.some((a) => a.startsWith(' href="http'))) out.push(' rel="noopener noreferrer"');
  return out.join("");
}

/**
 * The template as HTML a fan may be shown: allowed tags with allowed attributes, closed
 * where the template left them open; text kept as text; comments, doctype and anything
 * else dropped. Idempotent: sanitising its own output changes nothing.
 */
export function sanitizeTemplate(html: string): string {
  const out: string[] = [];
  const open: string[] = [];
  const tokens = /<!--[\s\S]*?(?:-->|$)|<![^>]*>?|<\?[^>]*>?|<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>|<|[^<]+/g;
  let dropping: string | null = null;
  for (const m of html.slice(0, TEMPLATE_MAX_LENGTH).matchAll(tokens)) {
    const [token, closing, rawName, raw = ""] = m;
    if (!rawName) {
      if (dropping || token.startsWith("<!") || token.startsWith("<?")) continue;
      out.push(escapeText(token));
      continue;
    }
    const tag = rawName.toLowerCase();
    if (dropping) {
      if (closing && tag === dropping) dropping = null;
      continue;
    }
    if (DROPPED_WITH_CONTENT.has(tag)) {
      if (!closing && !raw.trim().endsWith("/")) dropping = tag;
      continue;
    }
    if (!TAGS.has(tag)) continue;
    if (closing) {
      const at = open.lastIndexOf(tag);
      if (at === -1) continue;
      while (open.length > at) out.push(`</${open.pop()}>`);
      continue;
    }
    out.push(`<${tag}${attributes(tag, raw)}>`);
    if (!VOID.has(tag)) open.push(tag);
  }
  while (open.length) out.push(`</${open.pop()}>`);
  return out.join("");
}

/**
 * A sanitised template with its placeholders filled: each value is markup the caller made
 * (escaped text, or a span the page's script keeps up to date). Unknown placeholders stay
 * as written.
 */
export function fillTemplate(sanitized: string, values: Record<Placeholder, string>): string {
  return sanitized.replace(/\{\{\s*(\w+)\s*\}\}/g, (mark, name: string) => ((PLACEHOLDERS as readonly string[]).includes(name) ? values[name as Placeholder] : mark));
}
