/**
 * GET /queue/:eventId/challenge: a proof-of-work challenge for a new place in this event's
 * line (edge/src/challenge.ts), signed by the edge and checked offline at the join: no Redis
 * call here. Its difficulty is the most of: what this isolate last learned the client's IP
 * needs (an IP that joins fast needs more), what the isolate asks of the IP's network (/24,
 * /64) that asked many challenges within the minute, and `?min=` (what a CHALLENGE_HARDER
 * answer asked).
 */
import { difficultyFor, issueChallenge, networkDifficulty } from "../challenge.ts";
import { config, type Env } from "../env.ts";
import { clientIp, error, json } from "../http.ts";

export async function challenge(request: Request, env: Env, eventId: string, url: URL): Promise<Response> {
  const raw = url.searchParams.get("min");
  const { powMaxDifficulty } = config(env);
  let min = 0;
  if (raw !== null) {
    min = Number(raw);
    if (!/^\d{1,10}$/.test(raw) || min > powMaxDifficulty) return error(400, "BAD_DIFFICULTY", `min must be a whole number of at most ${powMaxDifficulty}.`);
  }
  const ip = clientIp(request) ?? "unknown";
  const difficulty = Math.max(min, difficultyFor(env, ip), networkDifficulty(env, ip));
  return json(await issueChallenge(env, eventId, difficulty));
}
