/**
 * Bypass rules: the organiser makes, switches and removes them (MySQL first, then the
 * enabled ones written to Redis as one JSON value, which the edge caches per isolate), and
 * reads them back with how many requests each let through (counted by the edge in Redis).
 * A staff secret is kept only as its hash; a range only in its one written form.
 */
import type { Static } from "elysia";
import { and, eq } from "drizzle-orm";
import type Redis from "ioredis";
import { bypassSecretHash, generateSecret, validPathPrefix, type PublishedRule } from "../../../../common/bypass.ts";
import { formatCidr, parseCidr } from "../../../../common/cidr.ts";
import { eventKeys } from "../../../../common/keys.ts";
import type { Db } from "../../db/client.ts";
import { isDuplicateKey } from "../../db/errors.ts";
import { bypassRules, type BypassRuleRow } from "../../db/schema/index.ts";
import type { Deps } from "../../deps.ts";
import { AppError, BypassRuleNotFoundError, InvalidRequestError } from "../../errors.ts";
import { randomId } from "../../lib/ids.ts";
import type { createRuleBody, ruleView, updateRuleBody } from "./model.ts";

type RuleView = Static<typeof ruleView>;

function view(row: BypassRuleRow, uses: Record<string, string>): RuleView {
  const kind = row.kind as RuleView["kind"];
  return {
    id: row.id,
    kind,
    label: row.label,
    enabled: row.enabled,
    path: kind === "path" ? row.value : null,
    cidr: kind === "ip" ? row.value : null,
    uses: Number(uses[row.id] ?? 0),
    createdAt: row.createdAt.toISOString(),
  };
}

/** Writes the event's enabled rules into Redis as MySQL has them (an empty list when none). */
export async function publishRules(redis: Redis, db: Db, eventId: string): Promise<number> {
  const rows = await db.select().from(bypassRules).where(and(eq(bypassRules.eventId, eventId), eq(bypassRules.enabled, true))).orderBy(bypassRules.createdAt, bypassRules.id);
  const published: PublishedRule[] = rows.map((r) => ({ id: r.id, kind: r.kind as PublishedRule["kind"], value: r.value }));
  await redis.set(eventKeys(eventId).bypassRules, JSON.stringify(published));
  return published.length;
}

async function uses(redis: Redis, eventId: string): Promise<Record<string, string>> {
  return redis.hgetall(eventKeys(eventId).bypassUses);
}

async function ruleOf(deps: Deps, eventId: string, ruleId: string): Promise<BypassRuleRow> {
  const [row] = await deps.database.db.select().from(bypassRules).where(and(eq(bypassRules.eventId, eventId), eq(bypassRules.id, ruleId)));
  if (!row) throw new BypassRuleNotFoundError();
  return row;
}

export async function listRules(deps: Deps, eventId: string): Promise<{ rules: RuleView[] }> {
  const rows = await deps.database.db.select().from(bypassRules).where(eq(bypassRules.eventId, eventId)).orderBy(bypassRules.createdAt, bypassRules.id);
  const counted = await uses(deps.redis, eventId);
  return { rules: rows.map((r) => view(r, counted)) };
}

/** The value a rule is kept by; refuses a path outside the event or a range that is not one. */
async function valueOf(eventId: string, body: Static<typeof createRuleBody>): Promise<{ value: string; secret?: string }> {
  switch (body.kind) {
    case "path":
      if (!validPathPrefix(eventId, body.path)) {
        throw new InvalidRequestError(`\`path\` must be a canonical path strictly under /events/${eventId}/ (letters, digits and - . _ ~ / and the like; no dot segments, no query).`);
      }
      return { value: body.path };
    case "header": {
      const secret = body.secret ?? generateSecret();
      return { value: await bypassSecretHash(eventId, secret), secret };
    }
    case "ip": {
      const range = parseCidr(body.cidr);
      if (!range) throw new InvalidRequestError("`cidr` must be an IPv4 or IPv6 range such as 192.0.2.0/24 or 2001:db8::/48.");
      return { value: formatCidr(range) };
    }
  }
}

export async function createRule(deps: Deps, eventId: string, body: Static<typeof createRuleBody>): Promise<{ rule: RuleView; secret?: string }> {
  const { value, secret } = await valueOf(eventId, body);
  const row: BypassRuleRow = { id: randomId("br"), eventId, kind: body.kind, label: body.label, value, enabled: body.enabled ?? true, createdAt: new Date(deps.clock.now()) };
  try {
    await deps.database.db.insert(bypassRules).values(row);
  } catch (error) {
    if (isDuplicateKey(error)) throw new AppError("BYPASS_RULE_EXISTS");
    throw error;
  }
  await publishRules(deps.redis, deps.database.db, eventId);
  return { rule: view(row, {}), ...(secret === undefined ? {} : { secret }) };
}

export async function updateRule(deps: Deps, eventId: string, ruleId: string, body: Static<typeof updateRuleBody>): Promise<RuleView> {
  const row = await ruleOf(deps, eventId, ruleId);
  const change = { ...(body.enabled === undefined ? {} : { enabled: body.enabled }), ...(body.label === undefined ? {} : { label: body.label }) };
  if (Object.keys(change).length > 0) {
    await deps.database.db.update(bypassRules).set(change).where(and(eq(bypassRules.eventId, eventId), eq(bypassRules.id, ruleId)));
    Object.assign(row, change);
  }
  await publishRules(deps.redis, deps.database.db, eventId);
  return view(row, await uses(deps.redis, eventId));
}

export async function deleteRule(deps: Deps, eventId: string, ruleId: string): Promise<RuleView> {
  const row = await ruleOf(deps, eventId, ruleId);
  const counted = await uses(deps.redis, eventId);
  await deps.database.db.delete(bypassRules).where(and(eq(bypassRules.eventId, eventId), eq(bypassRules.id, ruleId)));
  await publishRules(deps.redis, deps.database.db, eventId);
  await deps.redis.hdel(eventKeys(eventId).bypassUses, ruleId);
  return view(row, counted);
}
