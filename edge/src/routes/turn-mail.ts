/**
 * POST /queue/:eventId/notify: a waiting fan leaves an address for the turn email
 * (docs/COME-BACK.md, "The turn email"). The address is kept with the place in one script
 * call (saveTurnAddress-2.lua), never on the join path; the scheduling leader takes it as it
 * admits the ticket and mails the turn link. The answer is the same whether or not the
 * ticket left an address before, so it never tells whether an address is known.
 */
import { readTicket } from "../auth.ts";
import type { Env } from "../env.ts";
import { clientIp, error, json } from "../http.ts";
import { chooseLanguage } from "../i18n/index.ts";
import { infinitePlace } from "../infinite.ts";
import { limit } from "../ratelimit.ts";
import { redisScripts, runScript } from "../redis.ts";
import { config } from "../env.ts";
import { turnLinkCode, turnLinkPath } from "../turn-link.ts";
import { SaveTurnAddressCode } from "../../../lua/codes.ts";
import { noTicket, redisUnavailable } from "./status.ts";

/** The largest body read: `{"email": "<254 characters>"}` fits well within. */
const MAX_BODY = 1024;
/** RFC 5321's longest path; one @, no spaces or angle brackets, a dotted domain. */
const MAX_ADDRESS = 254;
const ADDRESS = /^[^\s@<>()",;:\\[\]]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$/;

const invalid = () => error(400, "INVALID_BODY", 'The body is a JSON object {"email": "<address>"}.');
const badAddress = () => error(400, "INVALID_EMAIL", "That is not an email address (name@example.com).");

/** The body: `{ email }` and nothing else; a Response is the 400 to send. */
async function addressOf(request: Request): Promise<string | Response> {
  if (Number(request.headers.get("content-length") ?? "0") > MAX_BODY) return invalid();
  const text = await request.text();
  if (text.length > MAX_BODY) return invalid();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return invalid();
  }
  if (!body || typeof body !== "object" || Array.isArray(body) || Object.keys(body).some((k) => k !== "email")) return invalid();
  const { email } = body as { email?: unknown };
  if (typeof email !== "string") return invalid();
  const address = email.trim();
  if (address.length > MAX_ADDRESS || !ADDRESS.test(address)) return badAddress();
  return address;
}

const accepted = (eventId: string) =>
  json({ eventId, message: "When it is this place's turn, an email with a link that claims it goes to the address given (the latest one)." }, 202);

export async function leaveAddress(request: Request, env: Env, ctx: ExecutionContext, eventId: string): Promise<Response> {
  const address = await addressOf(request);
  if (address instanceof Response) return address;
  const held = await readTicket(request, env, eventId);
  if (!held) return noTicket(eventId);
  const tid = held.claims.tid;
  const limited = (await limit(env, ctx, eventId, "mail", `t:${tid}`)) ?? (await limit(env, ctx, eventId, "mail", `ip:${clientIp(request) ?? "unknown"}`));
  if (limited) return limited;
  // an infinite place's turn never comes: answered as any other, nothing kept
  if (await infinitePlace(env, tid)) return accepted(eventId);
  // a place bound to a device key, or limited to one tier by its access code, is claimed where it joined: the link opens its page
  const code = await turnLinkCode(env, eventId, tid, held.claims.cnf?.jkt || typeof held.claims.tier === "string" ? "d" : "a");
  const mail = JSON.stringify({ to: address, link: new URL(turnLinkPath(eventId, code), request.url).href, lang: chooseLanguage(request).lang });
  let saved: { code: SaveTurnAddressCode };
  try {
    saved = await runScript(env, redisScripts.saveTurnAddress, eventId, [tid, mail, config(env).ticketTtlSeconds * 1000]);
  } catch {
    return redisUnavailable();
  }
  if (saved.code !== SaveTurnAddressCode.SAVED) {
    return error(409, "NOT_WAITING", "Only a place still waiting in line can leave an address: this ticket's turn came, or it left the line.");
  }
  return accepted(eventId);
}
