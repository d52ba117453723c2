/**
 * PUT /queue/:eventId/choice: a waiting fan says what they want when their turn comes
 * (how many seats, and a tier or a price cap). Checked against the event's per-order limit
 * and tiers (the origin's copy in the `config` hash), stored per ticket in Redis while the
 * ticket waits (declareChoice-3.lua); the fan's open streams show it on their next frame.
 * The scheduler's seat budgets count it, and the claim holds the best seats matching it
 * (claim.ts). The join path is untouched.
 */
import { encodeChoice, type DeclaredChoice } from "../../../common/choice.ts";
import { ChoiceCode } from "../../../lua/codes.ts";
import type { Env } from "../env.ts";
import { error, json } from "../http.ts";
import { client, redisScripts, runScript } from "../redis.ts";
import { eventKeys } from "../../../common/keys.ts";
import { hubFor } from "../hub.ts";
import { ticketCaller } from "./ticket-caller.ts";
import { redisUnavailable } from "./status.ts";

/** `{quantity, tier?, maxPriceCents?}` needs far less. */
const MAX_BODY_CHARS = 512;

export interface TierPrice {
  tier: string;
  lowestPriceCents: number;
}

function parseBody(text: string): DeclaredChoice | Response {
  const invalid = (why: string) => error(400, "INVALID_REQUEST", `The choice is a JSON object {"quantity": 1-20, "tier"?: "<tier>", "maxPriceCents"?: <cents>}: ${why}.`);
  if (text.length > MAX_BODY_CHARS) return invalid("the body is too long");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return invalid("not JSON");
  }
  if (!body || typeof body !== "object" || Array.isArray(body)) return invalid("not an object");
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).find((k) => k !== "quantity" && k !== "tier" && k !== "maxPriceCents");
  if (unknown) return invalid(`unknown field ${JSON.stringify(unknown).slice(0, 40)}`);
  if (!Number.isInteger(b.quantity) || (b.quantity as number) < 1 || (b.quantity as number) > 20) return invalid("quantity must be a whole number from 1 to 20");
  if (b.tier !== undefined && (typeof b.tier !== "string" || b.tier.length < 1 || b.tier.length > 32 || b.tier.includes("|"))) return invalid("tier must be a tier's name");
  if (b.maxPriceCents !== undefined && (!Number.isInteger(b.maxPriceCents) || (b.maxPriceCents as number) < 0 || (b.maxPriceCents as number) > 100_000_000)) {
    return invalid("maxPriceCents must be a whole number of cents");
  }
  if (b.tier !== undefined && b.maxPriceCents !== undefined) return invalid("name a tier or a price cap, not both");
  return { quantity: b.quantity as number, ...(b.tier !== undefined ? { tier: b.tier as string } : {}), ...(b.maxPriceCents !== undefined ? { maxPriceCents: b.maxPriceCents as number } : {}) };
}

/** The event's tiers as the origin published them; [] when unknown. */
export function parseTiers(raw: string | null | undefined): TierPrice[] {
  try {
    const parsed = JSON.parse(raw ?? "[]") as unknown;
    return Array.isArray(parsed) ? parsed.filter((t): t is TierPrice => typeof t?.tier === "string" && Number.isFinite(t?.lowestPriceCents)) : [];
  } catch {
    return [];
  }
}

/** The event's per-order limit and tiers, as the origin wrote them into `config` (one HMGET; the client hands back the raw reply). */
export async function choiceSettings(env: Env, eventId: string): Promise<[string | null, string | null]> {
  const raw = (await client(env).redis.hmget(eventKeys(eventId).config, "perOrderLimit", "tiers")) as unknown;
  const [limit, tiers] = Array.isArray(raw) ? raw : [null, null];
  return [limit === null || limit === undefined ? null : String(limit), tiers === null || tiers === undefined ? null : String(tiers)];
}

export async function declareChoice(request: Request, env: Env, ctx: ExecutionContext, eventId: string): Promise<Response> {
  const held = await ticketCaller(request, env, ctx, eventId);
  if (held instanceof Response) return held;
  const choice = parseBody(await request.text());
  if (choice instanceof Response) return choice;
  let perOrderLimit: string | null, tiersRaw: string | null;
  try {
    [perOrderLimit, tiersRaw] = await choiceSettings(env, eventId);
  } catch {
    return redisUnavailable();
  }
  const most = Number(perOrderLimit) || 0;
  if (most > 0 && choice.quantity > most) return error(400, "QUANTITY_OVER_LIMIT", `At most ${most} seats per order.`);
  const tiers = parseTiers(tiersRaw);
  if (choice.tier !== undefined && !tiers.some((t) => t.tier === choice.tier)) return error(400, "UNKNOWN_TIER", `This event has no tier ${JSON.stringify(choice.tier)}.`);
  if (choice.maxPriceCents !== undefined && !tiers.some((t) => t.lowestPriceCents <= choice.maxPriceCents!)) return error(400, "NO_SEATS_UNDER_PRICE", "No seat of this event costs that little.");
  let result;
  try {
    result = await runScript(env, redisScripts.declareChoice, eventId, [held.claims.tid, encodeChoice(choice), Date.now()]);
  } catch {
    return redisUnavailable();
  }
  if (result.code === ChoiceCode.NOT_WAITING) return error(409, "NOT_WAITING", "This ticket is not in line any more (its turn came, or it left): choose seats on the sale page.");
  // this isolate's streams of the ticket show it on their next frame (others learn it from their next shared read)
  hubFor(eventId).noteChoice(held.claims.tid, encodeChoice(choice));
  return json({ eventId, ticketNumber: result.number, choice });
}
