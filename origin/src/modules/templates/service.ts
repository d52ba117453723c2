/**
 * The organiser's page templates: sanitised here (common/page-template.ts) before they are
 * kept, MySQL first, then the copy in Redis the edge reads with each fan page; written
 * back to Redis from MySQL after a restore, like the access codes.
 */
import type { Static } from "elysia";
import { and, eq } from "drizzle-orm";
import type Redis from "ioredis";
import { eventKeys } from "../../../../common/keys.ts";
import { sanitizeTemplate, templateField, type TemplateKind, type TemplateLang } from "../../../../common/page-template.ts";
import type { Db } from "../../db/client.ts";
import { pageTemplates, type PageTemplateRow } from "../../db/schema/index.ts";
import type { Deps } from "../../deps.ts";
import type { putTemplateBody, templateView } from "./model.ts";

type TemplateView = Static<typeof templateView>;

export const previewPath = (eventId: string, kind: string, lang: TemplateLang | null = null) => `/events/${eventId}/preview/${kind}${lang ? `?lang=${lang}` : ""}`;

/** MySQL keeps the default page's language as '' (part of the primary key); the API says null. */
const langOf = (row: PageTemplateRow) => (row.lang ? (row.lang as TemplateLang) : null);

const view = (row: PageTemplateRow): TemplateView => ({
  kind: row.kind as TemplateKind,
  lang: langOf(row),
  html: row.html,
  updatedAt: row.updatedAt.toISOString(),
  previewPath: previewPath(row.eventId, row.kind, langOf(row)),
});

/** Writes every template of the event into Redis as MySQL has them (the edge's copy). */
export async function publishTemplates(redis: Redis, db: Db, eventId: string): Promise<number> {
  const rows = await db.select().from(pageTemplates).where(eq(pageTemplates.eventId, eventId));
  const key = eventKeys(eventId).pageTemplates;
  if (rows.length === 0) return 0;
  await redis.hset(key, Object.fromEntries(rows.map((row) => [templateField(row.kind as TemplateKind, langOf(row)), row.html])));
  return rows.length;
}

export async function listTemplates(deps: Deps, eventId: string): Promise<{ templates: TemplateView[] }> {
  const rows = await deps.database.db.select().from(pageTemplates).where(eq(pageTemplates.eventId, eventId)).orderBy(pageTemplates.kind, pageTemplates.lang);
  return { templates: rows.map(view) };
}

export async function putTemplate(deps: Deps, eventId: string, kind: TemplateKind, body: Static<typeof putTemplateBody>): Promise<TemplateView & { sanitized: boolean }> {
  const html = sanitizeTemplate(body.html);
  const updatedAt = new Date(deps.clock.now());
  const lang = body.lang ?? "";
  await deps.database.db.insert(pageTemplates).values({ eventId, kind, lang, html, updatedAt }).onDuplicateKeyUpdate({ set: { html, updatedAt } });
  await deps.redis.hset(eventKeys(eventId).pageTemplates, templateField(kind, body.lang ?? null), html);
  return { ...view({ eventId, kind, lang, html, updatedAt }), sanitized: html !== body.html };
}

export async function removeTemplate(deps: Deps, eventId: string, kind: TemplateKind, lang: TemplateLang | null = null): Promise<{ kind: TemplateKind; lang: TemplateLang | null; removed: boolean }> {
  const [result] = await deps.database.db
    .delete(pageTemplates)
    .where(and(eq(pageTemplates.eventId, eventId), eq(pageTemplates.kind, kind), eq(pageTemplates.lang, lang ?? "")));
  await deps.redis.hdel(eventKeys(eventId).pageTemplates, templateField(kind, lang));
  return { kind, lang, removed: result.affectedRows > 0 };
}
