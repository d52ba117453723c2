/**
 * The organiser's own pages for the line's states (common/page-template.ts) on the fan's
 * page: read from Redis with the page (one HGETALL), the fan's language's own or else the
 * default one of each state, sanitised again here, their
 * placeholders filled, each in a section the waiting room's script shows when the line is
 * in that state. `{{position}}` and `{{wait}}` are spans the script keeps up to date.
 */
import { eventKeys } from "../../common/keys.ts";
import { fillTemplate, sanitizeTemplate, templateField, TEMPLATE_KINDS, TEMPLATE_LANGS, type TemplateKind, type TemplateLang } from "../../common/page-template.ts";
import type { Env } from "./env.ts";
import { escapeHtml } from "./html.ts";
import { client } from "./redis.ts";

export type Templates = Partial<Record<TemplateKind, string>>;

const isKind = (k: string): k is TemplateKind => (TEMPLATE_KINDS as readonly string[]).includes(k);
const isLang = (l: string): l is TemplateLang => (TEMPLATE_LANGS as readonly string[]).includes(l);

/**
 * The event's templates for a fan reading `lang`, sanitised: for each state the page of
 * that language, else the default one; none when Redis has none or cannot be read (the
 * built-in page is shown then).
 */
export async function readTemplates(env: Env, eventId: string, lang: string): Promise<Templates> {
  const stored: unknown = await client(env).redis.hgetall(eventKeys(eventId).pageTemplates).catch(() => null);
  // the client answers HGETALL as it came (name, value, name, value...)
  const flat = Array.isArray(stored) ? stored : Object.entries(stored ?? {}).flat();
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const html = flat[i + 1];
    if (typeof html === "string" && html.trim()) fields.set(String(flat[i]), html);
  }
  const out: Templates = {};
  for (const kind of TEMPLATE_KINDS) {
    const html = (isLang(lang) ? fields.get(templateField(kind, lang)) : undefined) ?? fields.get(templateField(kind, null));
    if (html !== undefined) out[kind] = sanitizeTemplate(html);
  }
  return out;
}

/** Which template a line status shows: an open line shows the waiting one. */
export const kindOf = (status: string): TemplateKind | null => (status === "open" ? "waiting" : isKind(status) ? status : null);

export interface TemplateValues {
  eventName: string;
  position: string;
  wait: string;
}

/** The templates as sections of the page, the one for `shown` visible. */
export function templateSections(templates: Templates, values: TemplateValues, shown: TemplateKind | null): string {
  return TEMPLATE_KINDS.filter((kind) => templates[kind])
    .map((kind) => {
      const body = fillTemplate(templates[kind]!, {
        eventName: escapeHtml(values.eventName),
        position: `<span data-live="position">${escapeHtml(values.position)}</span>`,
        wait: `<span data-live="wait">${escapeHtml(values.wait)}</span>`,
      });
      return `<section class="organiser-page" data-page-kind="${kind}"${kind === shown ? "" : " hidden"}>${body}</section>`;
    })
    .join("\n");
}
