/**
 * The proof-of-work before a new place (the event's `challenge` = `pow`): an ALTCHA
 * challenge (altcha-lib's v1 protocol: find the number n with SHA-256(salt + n) =
 * challenge) that the edge signs with an HMAC and verifies offline, without Redis. The salt
 * carries the event, the difficulty and the expiry, so a solution is bound to its event, and
 * a faster IP cannot pass off an easier one. That a solution works once is decided where
 * the place is made, in the join script (lua/joinQueue-11.lua spends its id), so a verified
 * join costs no extra round trip.
 */
import { createChallenge, extractParams, verifySolution } from "altcha-lib/v1";
import type { Challenge } from "altcha-lib/v1/types";
import { eventKeys } from "../../common/keys.ts";
import { challengeMode, type ChallengeMode } from "../../common/queue-state.ts";
import { config, type Env } from "./env.ts";
import { client } from "./redis.ts";

/** What the join script needs of a good solution: its id (spent once) and its difficulty. */
export interface GoodSolution {
  id: string;
  difficulty: number;
}

export type SolutionCheck = { ok: true; solution: GoodSolution } | { ok: false; reason: "missing" | "malformed" | "invalid" | "expired" | "other-event" };

/** The header a join carries its solution in: the ALTCHA payload, base64 JSON `{algorithm, challenge, number, salt, signature}`. */
export const SOLUTION_HEADER = "x-challenge-solution";

const ALGORITHM = "SHA-256";

/** The HMAC key challenges are signed with: CHALLENGE_SECRET, else one derived from the ticket secret that signs. */
export function challengeSecret(env: Env): string {
  return env.CHALLENGE_SECRET?.trim() || `challenge:${env.TICKET_SECRET.split(",")[0]!.trim()}`;
}

/** The sale's challenge setting, for the page whose script makes the join itself (a sale that binds places): one HGET, on that path only. */
export async function challengeModeOf(env: Env, eventId: string): Promise<ChallengeMode> {
  return challengeMode(await client(env).redis.hget(eventKeys(eventId).queueState, "challenge"));
}

/** A fresh challenge for `eventId` at `difficulty` (its maxnumber: about difficulty / 2 hashes to solve on average). */
export async function issueChallenge(env: Env, eventId: string, difficulty: number): Promise<Challenge & { expiresAt: string }> {
  const expires = new Date(Date.now() + config(env).challengeTtlSeconds * 1000);
  const challenge = await createChallenge({
    algorithm: ALGORITHM,
    hmacKey: challengeSecret(env),
    maxnumber: difficulty,
    expires,
    params: { event: eventId, difficulty: String(difficulty) },
  });
  return { ...challenge, expiresAt: expires.toISOString() };
}

/** Checks a join's solution: signed by this edge, solved, unexpired, for this event. Whether it was spent already is the join script's to say. */
export async function checkSolution(env: Env, eventId: string, header: string | null): Promise<SolutionCheck> {
  if (!header) return { ok: false, reason: "missing" };
  let payload: { algorithm?: unknown; challenge?: unknown; number?: unknown; salt?: unknown; signature?: unknown };
  try {
    payload = JSON.parse(atob(header.trim()));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (
    payload === null ||
    typeof payload !== "object" ||
    payload.algorithm !== ALGORITHM ||
    typeof payload.challenge !== "string" ||
    typeof payload.salt !== "string" ||
    typeof payload.signature !== "string" ||
    !Number.isSafeInteger(payload.number)
  ) {
    return { ok: false, reason: "malformed" };
  }
  const good = payload as { algorithm: "SHA-256"; challenge: string; number: number; salt: string; signature: string };
  const params = extractParams(good);
  if (!(await verifySolution(good, challengeSecret(env), false))) return { ok: false, reason: "invalid" };
  // signed and solved: what the salt says can be trusted
  if (params.event !== eventId) return { ok: false, reason: "other-event" };
  const expires = Number(params.expires);
  if (!Number.isFinite(expires) || expires * 1000 < Date.now()) return { ok: false, reason: "expired" };
  const difficulty = Number(params.difficulty);
  if (!Number.isSafeInteger(difficulty) || difficulty <= 0) return { ok: false, reason: "malformed" };
  return { ok: true, solution: { id: `pow:${good.signature.slice(0, 32)}`, difficulty } };
}

/**
 * The network a client IP belongs to, as one party usually holds it: the /24 of an IPv4
 * address, the /64 of an IPv6 one (a home or a server gets a whole /64). Anything else is
 * its own network.
 */
export function networkOf(ip: string): string {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}$/.exec(ip);
  if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.0/24`;
  if (!ip.includes(":")) return ip;
  const [head = "", tail = ""] = ip.toLowerCase().split("::", 2);
  const left = head ? head.split(":") : [];
  const right = ip.includes("::") && tail ? tail.split(":") : [];
  const groups = ip.includes("::") ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}

/**
 * Challenges this isolate issued per network over the last minute. Past POW_FREE_NETWORK
 * challenges, each POW_FREE_NETWORK more doubles the difficulty issued to any address of
 * that network: many addresses of one network joining fast pay more, even when each address
 * stays under its own count. Kept per isolate (no Redis): a client spreading over isolates
 * escapes part of it; what the join script enforces is the per-IP rule.
 */
const issuedPerNetwork = new Map<string, number[]>();
const NETWORK_WINDOW_MS = 60_000;

export function networkDifficulty(env: Env, ip: string, now = Date.now()): number {
  const { powDifficulty, powFreeNetwork, powMaxDifficulty } = config(env);
  const network = networkOf(ip);
  let times = issuedPerNetwork.get(network);
  if (!times) {
    if (issuedPerNetwork.size >= 10_000) issuedPerNetwork.clear();
    issuedPerNetwork.set(network, (times = []));
  }
  while (times.length > 0 && times[0]! <= now - NETWORK_WINDOW_MS) times.shift();
  times.push(now);
  const doublings = Math.floor((times.length - 1) / powFreeNetwork);
  return Math.min(powMaxDifficulty, powDifficulty * 2 ** Math.min(doublings, 30));
}

/**
 * The difficulty this isolate last learned an IP needs (from the join script's answers),
 * for the next challenge it issues to that IP; forgotten after the limiter's window. An
 * isolate that does not know it issues the base difficulty, and a join that turns out too
 * easy is answered with the one needed (CHALLENGE_HARDER), which the client solves.
 */
const learned = new Map<string, { difficulty: number; until: number }>();
const FORGET_AFTER_MS = 60_000;

export function difficultyFor(env: Env, ip: string, now = Date.now()): number {
  const base = config(env).powDifficulty;
  const known = learned.get(ip);
  if (!known) return base;
  if (known.until <= now) {
    learned.delete(ip);
    return base;
  }
  return Math.max(base, known.difficulty);
}

export function learnDifficulty(ip: string, difficulty: number, now = Date.now()): void {
  if (!(difficulty > 0)) return;
  if (learned.size >= 10_000) for (const [k, v] of learned) if (v.until <= now) learned.delete(k);
  if (learned.size >= 10_000) learned.clear();
  learned.set(ip, { difficulty, until: now + FORGET_AFTER_MS });
}
