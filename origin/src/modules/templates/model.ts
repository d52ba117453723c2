/** Schemas of the organiser's page templates: one per state of the line (a default one, and one per language if given), uploaded as HTML. */
import { Elysia, t } from "elysia";
import { TEMPLATE_MAX_LENGTH } from "../../../../common/page-template.ts";
import { eventIdSchema } from "../shared/model.ts";

// the same kinds as TEMPLATE_KINDS, written out so the type keeps them (a test checks the two agree)
export const templateKind = t.Union(
  [t.Literal("waiting"), t.Literal("prequeue"), t.Literal("paused"), t.Literal("soldout"), t.Literal("closed")],
  { description: "the line's state the page is for: waiting (the line is open), prequeue, paused, soldout, closed" },
);

// the same languages as TEMPLATE_LANGS (a test checks the two agree)
export const templateLang = t.Union([t.Literal("en"), t.Literal("ko")], { description: "the fan's language the page is for (the fan pages' languages: en, ko)" });

export const putTemplateBody = t.Object(
  {
    lang: t.Optional(
      t.Union([t.Literal("en"), t.Literal("ko")], {
        description: "the page for fans reading this language only; absent: the default page, shown to fans of every language without a page of their own",
      }),
    ),
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
    lang: t.Union([templateLang, t.Null()], { description: "the language the page is for; null: the default page (every language without its own)" }),
    html: t.String({ description: "the page as kept: sanitised" }),
    updatedAt: t.String({ format: "date-time" }),
    previewPath: t.String({ description: "the edge's preview of the page, as a fan sees it with sample values (GET, no key; with ?lang= for a language's page)" }),
  },
  { description: "An organiser's page for one state of the line." },
);

export const templateModels = new Elysia({ name: "models.templates" }).model({
  "templates.params": t.Object({ eventId: eventIdSchema }),
  "templates.kindParams": t.Object({ eventId: eventIdSchema, kind: templateKind }),
  "templates.removeQuery": t.Object({
    lang: t.Optional(t.Union([t.Literal("en"), t.Literal("ko")], { description: "remove this language's page; absent: the default page (the languages' own pages stay)" })),
  }),
  "templates.put": putTemplateBody,
  "templates.saved": t.Object(
    { ...templateView.properties, sanitized: t.Boolean({ description: "true when sanitising changed what was sent (something was removed or closed)" }) },
    { description: "The page is kept and fans see it from their next page load." },
  ),
  "templates.list": t.Object({ templates: t.Array(templateView) }, { description: "The event's own pages; a state without one shows the built-in page." }),
  "templates.removed": t.Object(
    {
      kind: templateKind,
      lang: t.Union([templateLang, t.Null()], { description: "the language whose page was removed; null: the default page" }),
      removed: t.Boolean({ description: "false when the event had no such page" }),
    },
    { description: "Fans of that language see the default page for this state, or the built-in one." },
  ),
});
