/** Schemas of the organiser's page templates: one per state of the line, uploaded as HTML. */
import { Elysia, t } from "elysia";
import { TEMPLATE_MAX_LENGTH } from "../../../../common/page-template.ts";
import { eventIdSchema } from "../shared/model.ts";

// the same kinds as TEMPLATE_KINDS, written out so the type keeps them (a test checks the two agree)
export const templateKind = t.Union(
  [t.Literal("waiting"), t.Literal("prequeue"), t.Literal("paused"), t.Literal("soldout"), t.Literal("closed")],
  { description: "the line's state the page is for: waiting (the line is open), prequeue, paused, soldout, closed" },
);

export const putTemplateBody = t.Object(
  {
    html: t.String({
      minLength: 1,
      maxLength: TEMPLATE_MAX_LENGTH,
      description:
        "HTML with the placeholders {{position}}, {{wait}} (kept up to date on the waiting page) and {{eventName}}. Sanitised before it is kept: plain tags (p, div, span, h1-h4, b, i, em, strong, small, ul, ol, li, a, img, br, hr, blockquote, figure) with class, title, lang, dir, id, and href/src of http(s), mailto or this site; scripts, styles, frames, forms, event handlers and javascript: URLs are removed",
    }),
  },
  { additionalProperties: false },
);

export const templateView = t.Object(
  {
    kind: templateKind,
    html: t.String({ description: "the page as kept: sanitised" }),
    updatedAt: t.String({ format: "date-time" }),
    previewPath: t.String({ description: "the edge's preview of the page, as a fan sees it with sample values (GET, no key)" }),
  },
  { description: "An organiser's page for one state of the line." },
);

export const templateModels = new Elysia({ name: "models.templates" }).model({
  "templates.params": t.Object({ eventId: eventIdSchema }),
  "templates.kindParams": t.Object({ eventId: eventIdSchema, kind: templateKind }),
  "templates.put": putTemplateBody,
  "templates.saved": t.Object(
    { ...templateView.properties, sanitized: t.Boolean({ description: "true when sanitising changed what was sent (something was removed or closed)" }) },
    { description: "The page is kept and fans see it from their next page load." },
  ),
  "templates.list": t.Object({ templates: t.Array(templateView) }, { description: "The event's own pages; a state without one shows the built-in page." }),
  "templates.removed": t.Object({ kind: templateKind, removed: t.Boolean({ description: "false when the event had no page for this state" }) }, { description: "Fans see the built-in page for this state." }),
});
