/**
 * `bun run bench bots`: bots at the door of an event that asks a proof-of-work. BOTS
 * scripted clients that do not solve (no solution, garbage, another event's, or a real
 * fan's solution replayed) and FANS real clients that solve it (altcha-lib's solver, in
 * this process) join through the production Worker in workerd (Miniflare, the JoinBatcher
 * bound), the dev Upstash bridge and a private redis-server, each from its own address, at
 * once. Twice: the organiser refusing failed challenges (403), then sending them to the
 * infinite queue (and every fan then admitted). Every real client must get a place and no
 * bot one; in the infinite phase every bot's place must still stand where it stood after
 * the real fans were admitted. The added cost of a legitimate join is measured against a
 * plain join of the same run (an event without a challenge, the same fans): the join's
 * latency, the challenge request, the solve, and Redis commands per join.
 * Writes bench/results/bots.{json,md}.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { createChallenge } from "altcha-lib/v1";
import Redis from "ioredis";
import { PrivateRedis } from "../test/kit/private-redis.ts";
import { eventKeys } from "../common/keys.ts";
import { admitNextFans } from "../test/kit/admit.ts";
import { startBridge } from "../test/kit/bridge.ts";
import { uniqueEventId } from "../test/kit/event-ids.ts";
import { openWaitingRoom } from "../test/kit/waiting-room.ts";
import { startWorkerdEdge } from "../test/kit/workerd-edge.ts";
import { declareSettings, int, settingsMarkdown } from "./lib/settings.ts";

export const settings = declareSettings("bots", {
  BOTS: int({ default: 1000, min: 1, max: 20_000, doc: "scripted clients that do not solve the challenge" }),
  FANS: int({ default: 100, min: 1, max: 2000, doc: "real clients that solve it" }),
  POW_DIFFICULTY: int({ default: 50_000, min: 1, max: 10_000_000, doc: "the edge's base difficulty (a challenge's maxnumber)" }),
  COST_ROUNDS: int({ default: 6, min: 1, max: 100, doc: "rounds of the cost comparison, each one plain join and one verified join after the other, COST_JOINS times" }),
  COST_JOINS: int({ default: 20, min: 1, max: 1000, doc: "joins of each kind per round, one at a time" }),
});

type Reply = { status: number; body: Record<string, any>; ms: number };

/**
 * The real clients' solver: SHA-256(salt + n) for n = 0, 1, ... until it is the challenge,
 * what altcha-lib's solver computes, but synchronously with node:crypto (altcha-lib's
 * awaits WebCrypto once per number: about 7,500 numbers/s in Bun on this loaded machine).
 * The browser's own solve time is measured with the waiting page's Web Worker (docs/RELIABILITY.md).
 */
function solve(challenge: string, salt: string, max: number): number | null {
  for (let n = 0; n <= max; n++) if (createHash("sha256").update(salt + n).digest("hex") === challenge) return n;
  return null;
}

const median = (xs: number[]) => quantile(xs, 0.5);
function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))]! * 100) / 100;
}
const count = (replies: Reply[]) => {
  const out: Record<string, number> = {};
  for (const r of replies) {
    const key = r.status >= 400 ? `${r.status} ${r.body.code}` : String(r.status);
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
};

export async function run(_args: string[] = []): Promise<void> {
  const { values, effective } = settings.parse();
  const { BOTS, FANS, POW_DIFFICULTY, COST_ROUNDS, COST_JOINS } = values;
  const secret = `bench-bots-${crypto.randomUUID()}`;
  const server = await PrivateRedis.start();
  const redis = new Redis(server.url);
  const bridge = await startBridge({ redisUrl: server.url });
  const edge = await startWorkerdEdge({
    upstashUrl: bridge.url,
    vars: { TICK_MS: "250", CHALLENGE_SECRET: secret, POW_DIFFICULTY: String(POW_DIFFICULTY), JOIN_LIMIT_PER_MINUTE: "1000" },
  });
  let ip = 0;
  const nextIp = () => {
    ip++;
    return `2001:db8:${(ip >> 16).toString(16)}:${(ip & 0xffff).toString(16)}::1`;
  };
  const commands = async () => {
    const stats = await redis.info("commandstats");
    let total = 0;
    for (const m of stats.matchAll(/^cmdstat_[^:]+:calls=(\d+)/gm)) total += Number(m[1]);
    return total;
  };
  const post = async (eventId: string, from: string, headers: Record<string, string> = {}): Promise<Reply> => {
    const t0 = performance.now();
    const res = await fetch(`${edge.url}/queue/${eventId}/join`, { method: "POST", headers: { "cf-connecting-ip": from, ...headers } });
    const body = (await res.json()) as Record<string, any>;
    return { status: res.status, body, ms: performance.now() - t0 };
  };
  const statusOf = async (eventId: string, ticket: string) => (await (await fetch(`${edge.url}/queue/${eventId}/status`, { headers: { "x-queue-ticket": ticket } })).json()) as Record<string, any>;

  /** The real fans' first half: each asks a challenge (all at once, timed), then solves it (one after the other, each timed); the joins follow, all at once. */
  async function solveAsFans(eventId: string) {
    const asked = await Promise.all(
      Array.from({ length: FANS }, async () => {
        const from = nextIp();
        const t0 = performance.now();
        const c = (await (await fetch(`${edge.url}/queue/${eventId}/challenge`, { headers: { "cf-connecting-ip": from } })).json()) as Record<string, any>;
        return { from, c, challengeMs: performance.now() - t0 };
      }),
    );
    return asked.map(({ from, c, challengeMs }) => {
      const t0 = performance.now();
      const number = solve(c.challenge, c.salt, c.maxnumber);
      const solveMs = performance.now() - t0;
      const payload = btoa(JSON.stringify({ algorithm: c.algorithm, challenge: c.challenge, number, salt: c.salt, signature: c.signature }));
      return { from, payload, challengeMs, solveMs };
    });
  }

  /** The bots: a quarter each with no solution, garbage, another event's solution, and a real fan's solution replayed. */
  async function bots(eventId: string, replayable: string[]): Promise<Reply[]> {
    const otherEvent = uniqueEventId("bots-other");
    const foreign = await createChallenge({ hmacKey: secret, maxnumber: 10, expires: new Date(Date.now() + 60_000), params: { event: otherEvent, difficulty: String(POW_DIFFICULTY) } });
    const foreignPayload = btoa(JSON.stringify({ ...foreign, number: solve(foreign.challenge, foreign.salt, 10) }));
    return Promise.all(
      Array.from({ length: BOTS }, (_, i) => {
        const kind = i % 4;
        const headers: Record<string, string> =
          kind === 0 ? {} : kind === 1 ? { "x-challenge-solution": btoa(`{"algorithm":"SHA-256","number":${i}}`) } : kind === 2 ? { "x-challenge-solution": foreignPayload } : { "x-challenge-solution": replayable[i % replayable.length]! };
        return post(eventId, nextIp(), headers);
      }),
    );
  }

  const phases: Record<string, unknown> = {};
  try {
    // the plain join of the same run: no challenge, the same number of fans at once
    const plain = uniqueEventId("bots-plain");
    await openWaitingRoom(redis, plain);
    // warm the Worker and the Durable Objects
    await Promise.all(Array.from({ length: 20 }, () => post(uniqueEventId("warm"), nextIp())));
    const plainBefore = await commands();
    const plainReplies = await Promise.all(Array.from({ length: FANS }, () => post(plain, nextIp())));
    const plainCommands = ((await commands()) - plainBefore - 1) / FANS;

    for (const failure of ["refuse", "infinite"] as const) {
      const eventId = uniqueEventId(`bots-${failure}`);
      await openWaitingRoom(redis, eventId, { challenge: "pow", challengeFailure: failure });
      const solved = await solveAsFans(eventId);
      // the fans' joins go at once, like the plain join's, so the two compare
      const before = await commands();
      const joins = await Promise.all(solved.map((f) => post(eventId, f.from, { "x-challenge-solution": f.payload })));
      const fanCommands = ((await commands()) - before - 1) / FANS;
      const fans = solved.map((f, i) => ({ ...f, reply: joins[i]!, joinMs: joins[i]!.ms }));
      const botReplies = await bots(eventId, fans.map((f) => f.payload));
      const k = eventKeys(eventId);
      const inLine = await redis.zcard(k.queue);
      const fansPlaced = fans.filter((f) => f.reply.status === 201).length;
      const botsPlacedInLine = inLine - fansPlaced;
      let botsStillWaiting: number | null = null;
      let fansAdmitted: number | null = null;
      let botsAdmitted: number | null = null;
      if (failure === "infinite") {
        // every real fan is admitted; the bots' places must stand where they stood
        await admitNextFans(redis, eventId, FANS + BOTS);
        await Bun.sleep(600);
        fansAdmitted = (await Promise.all(fans.map((f) => statusOf(eventId, f.reply.body.ticket)))).filter((s) => s.admitted === true).length;
        const views = await Promise.all(botReplies.filter((b) => b.status === 201).map(async (b) => ({ before: b.body.position, now: await statusOf(eventId, b.body.ticket) })));
        botsStillWaiting = views.filter((v) => v.now.admitted === false && v.now.position === v.before).length;
        botsAdmitted = views.filter((v) => v.now.admitted === true).length;
      }
      phases[failure] = {
        fans: { statuses: count(fans.map((f) => f.reply)), placed: fansPlaced, challengeMs: { p50: median(fans.map((f) => f.challengeMs)), p95: quantile(fans.map((f) => f.challengeMs), 0.95) }, solveMs: { p50: median(fans.map((f) => f.solveMs)), p95: quantile(fans.map((f) => f.solveMs), 0.95) }, joinMs: { p50: median(fans.map((f) => f.joinMs)), p95: quantile(fans.map((f) => f.joinMs), 0.95) }, redisCommandsPerJoin: Math.round(fanCommands * 100) / 100 },
        bots: { statuses: count(botReplies), placedInLine: botsPlacedInLine, stillWaitingAfterFansAdmitted: botsStillWaiting, admitted: botsAdmitted },
        fansAdmitted,
        queueNumbersHandedOut: Number((await redis.get(k.seq)) ?? 0),
      };
    }
    const plainSummary = { statuses: count(plainReplies), joinMs: { p50: median(plainReplies.map((r) => r.ms)), p95: quantile(plainReplies.map((r) => r.ms), 0.95) }, redisCommandsPerJoin: Math.round(plainCommands * 100) / 100 };

    // the cost of a verified join, one join at a time, plain and verified in alternating
    // rounds so the machine's drift falls on both alike (solutions solved beforehand)
    const costPlain = uniqueEventId("bots-cost-plain");
    const costPow = uniqueEventId("bots-cost-pow");
    await openWaitingRoom(redis, costPlain);
    await openWaitingRoom(redis, costPow, { challenge: "pow", challengeFailure: "refuse" });
    const plainMs: number[] = [];
    const powMs: number[] = [];
    let costFailures = 0;
    for (let round = 0; round < COST_ROUNDS; round++) {
      const ready = [];
      for (let i = 0; i < COST_JOINS; i++) {
        const from = nextIp();
        const c = (await (await fetch(`${edge.url}/queue/${costPow}/challenge`, { headers: { "cf-connecting-ip": from } })).json()) as Record<string, any>;
        ready.push({ from, payload: btoa(JSON.stringify({ algorithm: c.algorithm, challenge: c.challenge, number: solve(c.challenge, c.salt, c.maxnumber), salt: c.salt, signature: c.signature })) });
      }
      for (let i = 0; i < COST_JOINS; i++) {
        const p = await post(costPlain, nextIp());
        const v = await post(costPow, ready[i]!.from, { "x-challenge-solution": ready[i]!.payload });
        if (p.status !== 201 || v.status !== 201) costFailures++;
        plainMs.push(p.ms);
        powMs.push(v.ms);
      }
    }
    const cost = { joins: plainMs.length, failures: costFailures, plainP50Ms: median(plainMs), verifiedP50Ms: median(powMs), plainP95Ms: quantile(plainMs, 0.95), verifiedP95Ms: quantile(powMs, 0.95) };
    report({ BOTS, FANS, POW_DIFFICULTY, plain: plainSummary, phases: phases as Record<"refuse" | "infinite", Phase>, cost, effective });
  } finally {
    await edge.stop();
    await bridge.stop();
    redis.disconnect();
    await server.kill();
  }
}

interface Phase {
  fans: { statuses: Record<string, number>; placed: number; challengeMs: { p50: number; p95: number }; solveMs: { p50: number; p95: number }; joinMs: { p50: number; p95: number }; redisCommandsPerJoin: number };
  bots: { statuses: Record<string, number>; placedInLine: number; stillWaitingAfterFansAdmitted: number | null; admitted: number | null };
  fansAdmitted: number | null;
  queueNumbersHandedOut: number;
}

function report(r: { BOTS: number; FANS: number; POW_DIFFICULTY: number; cost: { joins: number; failures: number; plainP50Ms: number; verifiedP50Ms: number; plainP95Ms: number; verifiedP95Ms: number }; plain: { statuses: Record<string, number>; joinMs: { p50: number; p95: number }; redisCommandsPerJoin: number }; phases: Record<"refuse" | "infinite", Phase>; effective: ReturnType<typeof settings.parse>["effective"] }) {
  const at = new Date().toISOString();
  const { refuse, infinite } = r.phases;
  const allFansPlaced = refuse.fans.placed === r.FANS && infinite.fans.placed === r.FANS;
  const noBotPlaced = refuse.bots.placedInLine === 0 && infinite.bots.placedInLine === 0 && (refuse.bots.statuses["403 CHALLENGE_FAILED"] ?? 0) + (refuse.bots.statuses["403 CHALLENGE_REQUIRED"] ?? 0) === r.BOTS;
  const botsInInfiniteQueue = infinite.bots.stillWaitingAfterFansAdmitted === r.BOTS && infinite.bots.admitted === 0 && infinite.fansAdmitted === r.FANS;
  const added = {
    joinP50Ms: Math.round((r.cost.verifiedP50Ms - r.cost.plainP50Ms) * 100) / 100,
    challengeRequestP50Ms: refuse.fans.challengeMs.p50,
    solveP50Ms: refuse.fans.solveMs.p50,
    redisCommandsPerJoin: Math.round((refuse.fans.redisCommandsPerJoin - r.plain.redisCommandsPerJoin) * 100) / 100,
  };
  const load = loadavg().map((l) => Math.round(l * 100) / 100);
  const row = (name: string, p: Phase) =>
    `| ${name} | ${JSON.stringify(p.fans.statuses)} | ${p.fans.challengeMs.p50} | ${p.fans.solveMs.p50} / ${p.fans.solveMs.p95} | ${p.fans.joinMs.p50} / ${p.fans.joinMs.p95} | ${p.fans.redisCommandsPerJoin} | ${JSON.stringify(p.bots.statuses)} | ${p.bots.placedInLine} | ${p.bots.stillWaitingAfterFansAdmitted ?? "-"} |`;
  const md = [
    `# bench bots (${at})`,
    "",
    `${cpus().length} cores, Bun ${Bun.version}, load average ${load.join(" ")} at the end (other work shared the machine). The production Worker in workerd (Miniflare, the JoinBatcher bound), the dev Upstash bridge and a private redis-server. ${r.FANS} real clients (all ask a challenge at once; each solves it in the driver process, one after the other, SHA-256 by node:crypto; then all join at once, like the plain join's fans) and ${r.BOTS} bots (a quarter each: no solution, garbage, another event's solution, a real fan's solution replayed), each from its own address, all at once. Base difficulty ${r.POW_DIFFICULTY} (maxnumber). A short run on purpose: the machine is shared.`,
    "",
    "| phase | fans | challenge request p50 ms | solve p50 / p95 ms | join p50 / p95 ms, all at once | Redis commands per fan join | bots | bots in the line | bots still waiting, unmoved, after every fan was admitted |",
    "|---|---|---:|---:|---:|---:|---|---:|---:|",
    `| plain join (no challenge) | ${JSON.stringify(r.plain.statuses)} | - | - | ${r.plain.joinMs.p50} / ${r.plain.joinMs.p95} | ${r.plain.redisCommandsPerJoin} | - | - | - |`,
    row("pow, refuse", refuse),
    row("pow, infinite queue", infinite),
    "",
    `- every real client got a place: **${allFansPlaced}**; no bot got a place in the line: **${noBotPlaced}**; every bot sits in the infinite queue (not admitted, position unmoved, while all ${r.FANS} fans were admitted): **${botsInInfiniteQueue}**`,
    `- one join at a time (${r.cost.joins} of each kind, in ${r.effective.COST_ROUNDS?.value} alternating rounds, ${r.cost.failures} not placed): plain join p50 ${r.cost.plainP50Ms} ms (p95 ${r.cost.plainP95Ms}), verified join p50 ${r.cost.verifiedP50Ms} ms (p95 ${r.cost.verifiedP95Ms})`,
    `- added cost per legitimate join against the same run's plain join: join latency p50 ${added.joinP50Ms >= 0 ? "+" : ""}${added.joinP50Ms} ms (one at a time), one challenge request (p50 ${added.challengeRequestP50Ms} ms with all fans asking at once; no Redis), the client's solve (p50 ${added.solveP50Ms} ms in the driver here, one core; a browser's is in docs/RELIABILITY.md), Redis commands per join ${added.redisCommandsPerJoin >= 0 ? "+" : ""}${added.redisCommandsPerJoin} (the spent-solution check is in the join's own script call: no extra round trip)`,
    `- queue numbers handed out: ${refuse.queueNumbersHandedOut} (refuse), ${infinite.queueNumbersHandedOut} (infinite): only the fans'`,
    "",
    ...settingsMarkdown(r.effective),
    "Run: `bun run bench bots`",
    "",
  ].join("\n");
  console.log("\n" + md);
  const dir = join(import.meta.dir, "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "bots.json"),
    JSON.stringify({ at, machine: { cpus: cpus().length, bun: Bun.version, loadAverageAtEnd: load }, bots: r.BOTS, fans: r.FANS, powDifficulty: r.POW_DIFFICULTY, oneAtATime: r.cost, allFansPlaced, noBotPlaced, botsInInfiniteQueue, addedCostPerLegitimateJoin: added, plain: r.plain, phases: r.phases, effectiveSettings: r.effective }, null, 2) + "\n",
  );
  writeFileSync(join(dir, "bots.md"), md);
}

if (import.meta.main) await run(Bun.argv.slice(2));
