/**
 * The event's bypass rules at the edge (staff secrets, IP ranges, path prefixes; made in the
 * admin API, published by the origin to `cu:{e}:bypass:rules`). Every request of an event is
 * matched against them, so they are cached per isolate: one GET per event per
 * BYPASS_RULES_FRESH_MS at most, refreshed after the answer (ctx.waitUntil) once the isolate has a
 * copy; a fan who matches no rule costs no Redis call. The first request of an isolate
 * waits for the read. A rule switched off or removed stops within BYPASS_RULES_FRESH_MS (plus one
 * read). Redis failing: the last copy stays, or none (everyone gets the line: fail closed).
 */
import { BYPASS_HEADER, bypassSecretHash, normalizeSecret, type PublishedRule } from "../../common/bypass.ts";
import { inCidr, parseCidr, parseIp, type Cidr } from "../../common/cidr.ts";
import { eventKeys } from "../../common/keys.ts";
import { config, type Env } from "./env.ts";
import { clientIp } from "./http.ts";
import { client } from "./redis.ts";

export interface Rules {
  paths: Array<{ id: string; prefix: string }>;
  secrets: Map<string, string>;
  ranges: Array<{ id: string; range: Cidr }>;
}

const NONE: Rules = { paths: [], secrets: new Map(), ranges: [] };

interface Cached {
  rules: Rules;
  at: number;
  refreshing: Promise<Rules> | null;
}

const cache = new Map<string, Cached>();

function compile(raw: string | null): Rules {
  if (!raw) return NONE;
  let list: PublishedRule[];
  try {
    list = JSON.parse(raw) as PublishedRule[];
  } catch {
    return NONE;
  }
  if (!Array.isArray(list) || list.length === 0) return NONE;
  const rules: Rules = { paths: [], secrets: new Map(), ranges: [] };
  for (const r of list) {
    if (r.kind === "path") rules.paths.push({ id: r.id, prefix: r.value });
    else if (r.kind === "header") rules.secrets.set(r.value, r.id);
    else if (r.kind === "ip") {
      const range = parseCidr(r.value);
      if (range) rules.ranges.push({ id: r.id, range });
    }
  }
  return rules;
}

async function read(env: Env, eventId: string, entry: Cached): Promise<Rules> {
  try {
    const raw = (await client(env).redis.get(eventKeys(eventId).bypassRules)) as string | null;
    entry.rules = compile(raw);
  } catch (e) {
    console.error("bypass rules: Redis read failed; keeping the last copy", e);
  }
  entry.at = Date.now();
  entry.refreshing = null;
  return entry.rules;
}

/** The event's rules: this isolate's copy, read again when older than BYPASS_RULES_FRESH_MS. */
export async function rulesFor(env: Env, ctx: ExecutionContext, eventId: string): Promise<Rules> {
  let entry = cache.get(eventId);
  if (!entry) {
    if (cache.size >= 10_000) cache.clear();
    entry = { rules: NONE, at: 0, refreshing: null };
    cache.set(eventId, entry);
    return (entry.refreshing = read(env, eventId, entry));
  }
  if (entry.at === 0) return entry.refreshing ?? (entry.refreshing = read(env, eventId, entry));
  if (Date.now() - entry.at > config(env).bypassRulesFreshMs && !entry.refreshing) {
    entry.refreshing = read(env, eventId, entry);
    ctx.waitUntil(entry.refreshing);
  }
  return entry.rules;
}

/** The rule whose prefix holds the path (strictly under /events/<eventId>/), if any. */
export function pathRule(rules: Rules, path: string): string | null {
  for (const r of rules.paths) if (path === r.prefix || path.startsWith(r.prefix.endsWith("/") ? r.prefix : `${r.prefix}/`)) return r.id;
  return null;
}

/**
 * The staff rule the request matches: its X-Concert-U-Bypass secret (by hash), else its
 * client IP in a range. A wrong or malformed secret matches nothing, exactly like none.
 */
export async function staffRule(request: Request, rules: Rules, eventId: string): Promise<{ id: string; kind: "header" | "ip"; ip: string } | null> {
  const ip = clientIp(request) ?? "";
  if (rules.secrets.size > 0) {
    const secret = normalizeSecret(request.headers.get(BYPASS_HEADER));
    if (secret) {
      const id = rules.secrets.get(await bypassSecretHash(eventId, secret));
      if (id) return { id, kind: "header", ip };
    }
  }
  if (rules.ranges.length > 0 && ip) {
    const addr = parseIp(ip);
    if (addr) for (const r of rules.ranges) if (inCidr(r.range, addr)) return { id: r.id, kind: "ip", ip };
  }
  return null;
}

/** Counts one use of a rule, after the answer: the organiser sees it on the dashboard. */
export function countUse(env: Env, ctx: ExecutionContext, eventId: string, ruleId: string): void {
  ctx.waitUntil(
    client(env)
      .redis.hincrby(eventKeys(eventId).bypassUses, ruleId, 1)
      .then(() => undefined)
      .catch((e: unknown) => console.error("bypass rules: use not counted", e)),
  );
}
