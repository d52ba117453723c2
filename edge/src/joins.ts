/**
 * Joining the line: one call of the joinQueue script places a whole batch of fans, limits
 * new places per client IP with @upstash/ratelimit's sliding window on its own keys, and
 * answers with the line's state, so a join needs no other Redis read to show a position.
 * The JoinBatcher Durable Object (./join-batcher.ts) gathers the joins of one shard into
 * such batches; without it (unit tests calling the Worker directly) each join is a batch
 * of one.
 */
import { eventKeys } from "../../common/keys.ts";
import { JoinCode } from "../../lua/codes.ts";
import type { JoinLine } from "../../lua/replies.ts";
import { randomId } from "./auth.ts";
import { BlockList } from "./block-list.ts";
import type { ChallengeMode } from "../../common/queue-state.ts";
import type { GoodSolution } from "./challenge.ts";
import { config, type Env } from "./env.ts";
import { redisScripts, runScript } from "./redis.ts";

/** The limiter's window for new places (JOIN_LIMIT_PER_MINUTE per IP). */
export const JOIN_WINDOW_MS = 60_000;

export interface JoinRequest {
  /** ticket id of a valid ticket the fan holds for this event, else null */
  heldTid: string | null;
  /** that ticket's queue number (0 without one): a restore may have kept it for the fan */
  heldNum?: number;
  /** client IP: what new places are limited by */
  ip: string;
  /** the proof-of-work solution the edge verified for this join (edge/src/challenge.ts), if any; spent by the script when it buys a new place */
  solution?: GoodSolution | null;
  /** the fresh ticket id to place the fan under (one an access code was redeemed for); else one is made */
  tid?: string;
  /** the edge redeemed an access code for `tid`: in an invite-only room only such joins get a new place */
  invited?: boolean;
  /** the identity the edge verified from the join's proof (`email:<hash>`, `passkey:<hash>`, common/identity.ts): one place per identity */
  identity?: string | null;
}

/** The line as the batch left it, and when: enough to show a fan their position without another read. */
export interface LineState extends JoinLine {
  at: number;
}

/** `replaced`: the fan was put back at their ticket's own number after Redis lost the line (told as waiting). */
export type JoinOutcome =
  | { kind: "joined" | "waiting"; tid: string; num: number; goneAhead: number; state: LineState; replaced?: boolean }
  | { kind: "admitted"; tid: string; deadline: number }
  /** standby let the new fan straight through: admitted at once at `num`, nothing to wait for */
  | { kind: "passed"; tid: string; num: number; deadline: number }
  | { kind: "rate-limited"; resetAt: number }
  | { kind: "no-queue" | "sale-ended" | "queue-full" | "line-stopped" | "invite-only" | "identity-required" | "identity-in-line" }
  | { kind: "restoring" }
  /** the event asks a proof-of-work and the join had no good unspent solution */
  | { kind: "challenge-failed"; mode: ChallengeMode }
  /** a good solution, easier than this IP needs now: `difficulty` is what it needs */
  | { kind: "challenge-harder"; difficulty: number }
  /** no good solution, and the organiser sends such joins to the infinite queue: shown as the newest place (`num`, nothing taken) */
  | { kind: "infinite"; num: number; goneAhead: number; state: LineState };

/** A join's outcome and the difficulty its IP needs for its next new place (0: none asked). */
export type JoinAnswer = JoinOutcome & { next?: number };

/** A limiter's bucket keys for one identifier (a client IP for joins, a ticket id for polls), named as @upstash/ratelimit's sliding window of JOIN_WINDOW_MS names them (`prefix` = the event's limiter prefix). */
export function joinLimitKeys(prefix: string, id: string, now: number): [current: string, previous: string] {
  const window = Math.floor(now / JOIN_WINDOW_MS);
  return [`${prefix}:${id}:${window}`, `${prefix}:${id}:${window - 1}`];
}

/** Places a batch of joins of one event in one script call; answers in the batch's order. */
export async function runJoinBatch(env: Env, eventId: string, requests: JoinRequest[]): Promise<JoinAnswer[]> {
  const now = Date.now();
  const ipIndex = new Map<string, number>();
  const limitKeys: string[] = [];
  const c = config(env);
  const spentMs = Math.max(JOIN_WINDOW_MS, c.challengeTtlSeconds * 1000 + 60_000);
  const args: Array<string | number> = [now, c.joinLimitPerMinute, JOIN_WINDOW_MS, requests.length, spentMs, c.powDifficulty, c.powFreePlaces, c.powMaxDifficulty];
  const fresh: string[] = [];
  const invited: number[] = [];
  const prefix = eventKeys(eventId).rateLimit("join");
  for (const [i, r] of requests.entries()) {
    let ip = ipIndex.get(r.ip);
    if (ip === undefined) {
      ip = ipIndex.size + 1;
      ipIndex.set(r.ip, ip);
      limitKeys.push(...joinLimitKeys(prefix, r.ip, now));
    }
    const tid = r.tid ?? randomId();
    fresh.push(tid);
    if (r.invited) invited.push(i + 1);
    args.push(r.heldTid ?? "", r.heldTid ? (r.heldNum ?? 0) : 0, tid, ip, r.solution?.id ?? "", r.solution?.difficulty ?? 0, r.identity ?? "");
  }
  args.push(...invited);
  const { line, joins } = await runScript(env, redisScripts.joinQueue, eventId, args, limitKeys);
  const state: LineState = { at: now, ...line };
  return requests.map((r, i): JoinAnswer => ({ ...outcomeOf(r, i), next: joins[i]!.next }));
  function outcomeOf(r: JoinRequest, i: number): JoinOutcome {
    const { code, number: num, detail } = joins[i]!;
    switch (code) {
      case JoinCode.JOINED:
        return { kind: "joined", tid: fresh[i]!, num, goneAhead: detail, state };
      case JoinCode.WAITING:
        return { kind: "waiting", tid: r.heldTid!, num, goneAhead: detail, state };
      case JoinCode.REPLACED:
        return { kind: "waiting", tid: r.heldTid!, num, goneAhead: detail, state, replaced: true };
      case JoinCode.ADMITTED:
        return { kind: "admitted", tid: r.heldTid!, deadline: detail };
      case JoinCode.RATE_LIMITED:
        return { kind: "rate-limited", resetAt: detail };
      case JoinCode.NO_QUEUE:
        return { kind: "no-queue" };
      case JoinCode.SALE_ENDED:
        return { kind: "sale-ended" };
      case JoinCode.QUEUE_FULL:
        return { kind: "queue-full" };
      case JoinCode.RESTORING:
        return { kind: "restoring" };
      case JoinCode.LINE_STOPPED:
        return { kind: "line-stopped" };
      case JoinCode.CHALLENGE_FAILED:
        return { kind: "challenge-failed", mode: state.challenge };
      case JoinCode.CHALLENGE_HARDER:
        return { kind: "challenge-harder", difficulty: detail };
      case JoinCode.INFINITE:
        return { kind: "infinite", num, goneAhead: detail, state };
      case JoinCode.INVITE_ONLY:
        return { kind: "invite-only" };
      case JoinCode.IDENTITY_REQUIRED:
        return { kind: "identity-required" };
      case JoinCode.IDENTITY_IN_LINE:
        return { kind: "identity-in-line" };
      case JoinCode.PASSED:
        return { kind: "passed", tid: fresh[i]!, num, deadline: detail };
      default:
        throw new Error(`joinQueue returned unknown code ${code}`);
    }
  }
}

/** FNV-1a: the same IP always lands on the same shard, so a shard's local block list sees all of an IP's joins. */
export function shardOf(ip: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < ip.length; i++) h = Math.imul(h ^ ip.charCodeAt(i), 0x01000193);
  return (h >>> 0) % shards;
}

/** IPs refused a new place, per event, in this isolate. */
const blocked = new Map<string, BlockList>();

/**
 * One fan's join: through the event shard's JoinBatcher when the Worker has the binding
 * (a batch shared with the joins arriving at that shard meanwhile), else a batch of one.
 * A join without a ticket from an IP this isolate saw refused is refused at once.
 */
export async function join(env: Env, eventId: string, request: JoinRequest): Promise<JoinAnswer> {
  let list = blocked.get(eventId);
  if (!list) blocked.set(eventId, (list = new BlockList()));
  const until = request.heldTid === null ? list.blockedUntil(request.ip) : null;
  if (until !== null) return { kind: "rate-limited", resetAt: until };
  const outcome = await placeThrough(env, eventId, request);
  if (outcome.kind === "rate-limited") list.block(request.ip, outcome.resetAt);
  return outcome;
}

/** Durable Object ids by shard name: deriving one hashes the name. */
const shardIds = new Map<string, unknown>();

async function placeThrough(env: Env, eventId: string, request: JoinRequest): Promise<JoinAnswer> {
  const batchers = env.JOIN_BATCHER;
  if (!batchers) return (await runJoinBatch(env, eventId, [request]))[0]!;
  const name = `${eventId}/${shardOf(request.ip, config(env).joinShards)}`;
  let id = shardIds.get(name);
  if (id === undefined) {
    if (shardIds.size >= 10_000) shardIds.clear();
    shardIds.set(name, (id = batchers.idFromName(name)));
  }
  return batchers.get(id).join(eventId, request);
}
