/**
 * The organiser's own pages for the line's states (common/page-template.ts) on the fan's
 * page: read from Redis with the page (one HGETALL), sanitised again here, their
 * placeholders filled, each in a section the waiting room's script shows when the line is
 * in that state. `{{position}}` and `{{wait}}` are spans the script keeps up to date.
 */
import { eventKeys } from "../../common/keys.ts";
import { fillTemplate, sanitizeTemplate, TEMPLATE_KINDS, type TemplateKind } from "../../common/page-template.ts";
import type { Env } from "./env.ts";
import { escapeHtml } from "./html.ts";
import { client } from "./redis.ts";

export type Templates = Partial<Record<TemplateKind, string>>;

const isKind = (k: string): k is TemplateKind => (TEMPLATE_KINDS as readonly string[]).includes(k);

/** The event's templates, sanitised; none when Redis has none or cannot be read (the built-in page is shown then). */
export async function readTemplates(env: Env, eventId: string): Promise<Templates> {
  const stored: unknown = await client(env).redis.hgetall(eventKeys(eventId).pageTemplates).catch(() => null);
  // the client answers HGETALL as it came (name, value, name, value...)
  const flat = Array.isArray(stored) ? stored : Object.entries(stored ?? {}).flat();
  const out: Templates = {};
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const [kind, html] = [String(flat[i]), flat[i + 1]];
    if (isKind(kind) && typeof html === "string" && html.trim()) out[kind] = sanitizeTemplate(html);
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
