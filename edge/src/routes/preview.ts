/**
 * GET /events/:eventId/preview/:kind: the organiser's page for one of the line's states as a
 * fan would see it (sanitised, in the fan's language: that language's page, else the default
 * one; the strict policy on), with sample
 * values in its placeholders. It runs no script, takes no place and needs no key: what it
 * shows is what any fan of the event is shown.
 */
import { TEMPLATE_KINDS, type TemplateKind } from "../../../common/page-template.ts";
import type { Env } from "../env.ts";
import { error } from "../http.ts";
import { htmlResponse as html } from "../html.ts";
import { hubFor } from "../hub.ts";
import { chooseLanguage } from "../i18n/index.ts";
import { formatNumber, waitLine } from "../i18n/format.ts";
import { messagePage } from "../page.ts";
import { readTemplates, templateSections } from "../page-templates.ts";

/** What the placeholders show in a preview: a fan 42nd in line, three minutes from their turn. */
export const PREVIEW_POSITION = 42;
export const PREVIEW_WAIT_SECONDS = 180;

export async function preview(request: Request, env: Env, eventId: string, kind: string): Promise<Response> {
  if (!(TEMPLATE_KINDS as readonly string[]).includes(kind)) return error(404, "NO_SUCH_TEMPLATE", `There is no page kind "${kind}": one of ${TEMPLATE_KINDS.join(", ")}.`);
  const l = chooseLanguage(request);
  const [templates, snapshot] = await Promise.all([readTemplates(env, eventId, l.lang), hubFor(eventId).ensureFresh(env).catch(() => null)]);
  const template = templates[kind as TemplateKind];
  if (!template) return error(404, "NO_SUCH_TEMPLATE", `The event has no ${kind} page of its own: fans see the built-in one.`);
  const values = { eventName: snapshot?.about?.name ?? eventId, position: formatNumber(l.locale, PREVIEW_POSITION), wait: waitLine(l.t.live, l.locale, PREVIEW_WAIT_SECONDS) };
  const res = html(messagePage(`Preview: ${kind}`, "", l, templateSections({ [kind]: template }, values, kind as TemplateKind)));
  if (l.setCookie) res.headers.append("set-cookie", l.setCookie);
  return res;
}
