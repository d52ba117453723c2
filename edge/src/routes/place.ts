/** Finding or making a fan's place in line: shared by the page and the JSON join. */
import { mintTicket, readTicket, ticketCookieName } from "../auth.ts";
import { checkSolution, learnDifficulty, SOLUTION_HEADER, type SolutionCheck } from "../challenge.ts";
import { infinitePlace, infiniteTicketId, infiniteView } from "../infinite.ts";
import { checkTurnstile, TURNSTILE_HEADER } from "../turnstile.ts";
import type { ChallengeMode } from "../../../common/queue-state.ts";
import { config, type Env } from "../env.ts";
import { clientIp, cookie, error } from "../http.ts";
import { hubFor } from "../hub.ts";
import { redeemForJoin, type Redeemed } from "../access-codes.ts";
import { join, type LineState } from "../joins.ts";
import { verifyIdentityProof } from "../../../common/identity.ts";
import { registryPresent } from "../restoring.ts";
import { fanView, type FanView, type Snapshot } from "../snapshot.ts";
import { refreshIntervalSeconds } from "./view.ts";

export type Place =
  | { kind: "joined" | "waiting"; tid: string; num: number; ticket: string; setCookie: string | null; view: FanView; about: Snapshot["about"]; challenge?: ChallengeMode }
  | { kind: "admitted"; tid: string; num: number; ticket: string }
  /** standby let the fan straight through: a new ticket, admitted at once (claim it for the sale); `tier`: an access code's */
  | { kind: "passed"; tid: string; num: number; ticket: string; setCookie: string; tier: string | null }
  /** line-stopped: a new place would be where tickets are unlikely (the organiser's minChance), so none is given; invite-only: no redeemed access code */
  | { kind: "no-queue" | "sale-ended" | "queue-full" | "line-stopped" | "invite-only" }
  /** the sale asks an identity before a new place and the join brought no good proof (`reason`); or the identity holds a place in this line already */
  | { kind: "identity-required"; reason: "missing" | "invalid" }
  | { kind: "identity-in-line" }
  /** the line is being restored after Redis lost it; `held`: the fan holds a valid ticket (and keeps that place) */
  | { kind: "restoring"; held: boolean }
  /** the event asks a proof-of-work first: the join had none that was good (`reason`), or an easier one than its IP needs (`difficulty`) */
  | { kind: "challenge"; reason: ChallengeReason; difficulty?: number; mode: ChallengeMode };

/** Why a join's challenge did not do: none sent, not readable, not this edge's or not solved, expired, another event's, spent already, or easier than the IP needs now. */
export type ChallengeReason = Extract<SolutionCheck, { ok: false }>["reason"] | "spent" | "too-easy";

/** The fan's view straight from the state the join answered with: no second read. */
function viewAfterJoin(env: Env, eventId: string, state: LineState, num: number, goneAhead: number): FanView {
  // the join's own read does not carry the leader's estimate: the isolate's last read does
  const last = hubFor(eventId).snapshot;
  const snapshot: Snapshot = { ...state, gone: [], lookups: new Map(), restoredAt: null, presenceGraceMs: null, moved: [], honest: last?.honest ?? null, honestStop: last?.honestStop ?? null, deviceBinding: "off", queueingStatusCode: last?.queueingStatusCode ?? 200, choiceCutoffs: last?.choiceCutoffs ?? {}, changedChoices: new Map(), readAt: null };
  return fanView(snapshot, eventId, num, state.admitRate ?? hubFor(eventId).admitRate(), refreshIntervalSeconds(env), goneAhead);
}

/**
 * Returns the fan's place, or the 429 when a new place is rate limited. A fan with a
 * valid ticket keeps their place; anyone else (no ticket, forged, expired, other event,
 * or a ticket whose fan left the line) gets a new place at the back, which counts
 * against their IP's limit. After Redis lost the line, a valid ticket whose number the
 * restore kept is put back at it; while the line is not restored yet, the fan is told so.
 *
 * With an access code (`access.code`), a fan who needs a new place gets it through the code
 * (../access-codes.ts): in an invite-only room, the only way to one. A fan who keeps a place
 * spends no code. A code redeemed for a join that was then refused is given back.
 */
/**
 * `page`: the waiting room page asks (a GET, which carries no solution). When the event asks a
 * proof-of-work it is told `challenge` rather than an infinite place, and the page solves it
 * and joins; nothing was written for it. `held`: the ticket, when the caller read it already;
 * `jkt`: the device key a new place is bound to (the join's proof, edge/src/dpop.ts).
 */
export async function findOrMakePlace(
  request: Request,
  env: Env,
  eventId: string,
  opts: { page?: boolean; access?: { ctx: ExecutionContext; code: unknown }; held?: Awaited<ReturnType<typeof readTicket>>; jkt?: string | null; identityProof?: string } = {},
): Promise<Place | Response> {
  const { page = false, access, jkt = null } = opts;
  // a proof that does not verify is no identity: the script then refuses the new place if the sale asks one
  const identity = opts.identityProof && env.IDENTITY_SECRET ? await verifyIdentityProof(env.IDENTITY_SECRET, opts.identityProof, eventId) : null;
  const held = opts.held === undefined ? await readTicket(request, env, eventId) : opts.held;
  // an infinite place is answered here: its ticket never reaches Redis
  const endless = held ? await infinitePlace(env, held.claims.tid) : null;
  if (held && endless) return infiniteAgain(env, eventId, held.token, held.claims.tid, held.claims.num, endless.position);
  const ip = clientIp(request) ?? "unknown";
  const header = request.headers.get(SOLUTION_HEADER);
  const turnstileToken = header ? null : request.headers.get(TURNSTILE_HEADER);
  let check: SolutionCheck = header ? await checkSolution(env, eventId, header) : { ok: false, reason: "missing" };
  if (turnstileToken !== null) {
    const verdict = await checkTurnstile(env, turnstileToken, clientIp(request));
    if (!verdict.ok && verdict.reason === "unavailable") {
      return error(503, "CHALLENGE_UNAVAILABLE", "The human check cannot be verified right now; try again in a few seconds.", { "retry-after": "5" });
    }
    check = verdict.ok ? verdict : { ok: false, reason: "invalid" };
  }
  const solved = header !== null || turnstileToken !== null;
  const solution = check.ok ? check.solution : null;
  let redeemed: Redeemed | null = null;
  let result: Awaited<ReturnType<typeof join>>;
  try {
    if (access && !held) {
      const r = await redeemForJoin(request, env, access.ctx, eventId, access.code);
      if (r instanceof Response) return r;
      redeemed = r;
    }
    result = await join(env, eventId, { heldTid: held?.claims.tid ?? null, heldNum: held?.claims.num ?? 0, ip, solution, tid: redeemed?.tid, invited: redeemed !== null, identity: identity?.sub ?? null });
    if (result.kind === "invite-only" && access && held) {
      // the ticket's fan left the line: the code gives a new place
      const r = await redeemForJoin(request, env, access.ctx, eventId, access.code);
      if (r instanceof Response) return r;
      redeemed = r;
      result = await join(env, eventId, { heldTid: null, ip, solution, tid: r.tid, invited: true, identity: identity?.sub ?? null });
    }
  } catch (e) {
    if (redeemed) await redeemed.undo().catch(() => {});
    throw e;
  }
  if (result.next) learnDifficulty(ip, result.next);
  if (redeemed && result.kind !== "joined" && result.kind !== "passed") await redeemed.undo().catch(() => {});
  const tier = redeemed?.tier ?? null;
  switch (result.kind) {
    case "joined":
    case "waiting": {
      const view = viewAfterJoin(env, eventId, result.state, result.num, result.goneAhead);
      const base = { kind: result.kind, tid: result.tid, num: result.num, view, about: result.state.about, challenge: result.state.challenge };
      if (held && held.claims.tid === result.tid && held.claims.num === result.num) return { ...base, ticket: held.token, setCookie: null };
      // a ticket re-minted for the same place keeps its tier and binding; a new place takes the code's tier and the join's key
      const same = held?.claims.tid === result.tid;
      const ticket = await mintTicket(env, eventId, result.tid, result.num, { tier: tier ?? (same ? held!.claims.tier : null), jkt: same ? (held!.claims.cnf?.jkt ?? null) : jkt, cus: same ? (held!.claims.cus ?? null) : (identity?.customer ?? null) });
      return { ...base, ticket, setCookie: cookie(request, ticketCookieName(eventId), ticket, config(env).ticketTtlSeconds) };
    }
    case "infinite": {
      if (page && !solved) return { kind: "challenge", reason: "missing", mode: result.state.challenge };
      // told like a new place at the back: the position a fan joining now would see, frozen
      const view = viewAfterJoin(env, eventId, result.state, result.num, result.goneAhead);
      const tid = await infiniteTicketId(env, view.position);
      const ticket = await mintTicket(env, eventId, tid, result.num);
      return { kind: "joined", tid, num: result.num, view, about: result.state.about, challenge: result.state.challenge, ticket, setCookie: cookie(request, ticketCookieName(eventId), ticket, config(env).ticketTtlSeconds) };
    }
    case "identity-required":
      return { kind: "identity-required", reason: opts.identityProof ? "invalid" : "missing" };
    case "identity-in-line":
      return { kind: "identity-in-line" };
    case "challenge-failed":
      return { kind: "challenge", reason: check.ok ? "spent" : check.reason, mode: result.mode };
    case "challenge-harder":
      return { kind: "challenge", reason: "too-easy", difficulty: result.difficulty, mode: "pow" };
    case "admitted":
      return { kind: "admitted", tid: result.tid, num: held!.claims.num, ticket: held!.token };
    case "passed": {
      const ticket = await mintTicket(env, eventId, result.tid, result.num, { tier, jkt, cus: identity?.customer ?? null });
      return { kind: "passed", tid: result.tid, num: result.num, ticket, setCookie: cookie(request, ticketCookieName(eventId), ticket, config(env).ticketTtlSeconds), tier };
    }
    case "rate-limited": {
      const retryAfter = String(Math.max(1, Math.ceil((result.resetAt - Date.now()) / 1000)));
      return error(429, "RATE_LIMITED", "Too many new places from your network; try again later.", { "retry-after": retryAfter });
    }
    case "restoring":
      return { kind: "restoring", held: held !== null };
    case "no-queue":
      // no queue state, and the registry of queues gone too: Redis lost everything and the
      // line is being restored (one extra call, only on this path)
      return (await registryPresent(env)) ? { kind: "no-queue" } : { kind: "restoring", held: held !== null };
    default:
      return { kind: result.kind };
  }
}

/** An infinite place asked again (a reload, a re-join): the same frozen place, from the isolate's shared snapshot. */
async function infiniteAgain(env: Env, eventId: string, ticket: string, tid: string, num: number, position: number): Promise<Place> {
  const hub = hubFor(eventId);
  const snapshot = await hub.ensureFresh(env);
  if (snapshot.status === "soldout" || snapshot.status === "closed") return { kind: "sale-ended" };
  const view = infiniteView(snapshot, eventId, num, position, hub.admitRate(), refreshIntervalSeconds(env));
  return { kind: "waiting", tid, num, view, about: snapshot.about, ticket, setCookie: null };
}
