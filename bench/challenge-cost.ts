/**
 * `bun run bench challenge-cost`: what the proof-of-work costs. The fan's side: the real
 * waiting page (through the production Worker in workerd) opened PAGES times in Chromium
 * with DevTools CPU throttling (CDP `Emulation.setCPUThrottlingRate`, THROTTLE x slower),
 * each solving its challenge in the page's Web Worker; the page records how long the solve
 * took (`data-solved-in-ms`), here reported as median and p95. The edge's side: the
 * verification a join runs (edge/src/challenge.ts checkSolution: the HMAC and one SHA-256,
 * the salt's checks) timed in this process over VERIFICATIONS good solutions; the Worker runs
 * the same code on V8 and BoringSSL, where it is of the same order. Writes
 * bench/results/challenge-cost.{json,md}.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import Redis from "ioredis";
import { eventKeys } from "../common/keys.ts";
import { checkSolution, issueChallenge } from "../edge/src/challenge.ts";
import type { Env } from "../edge/src/env.ts";
import { launchBrowser } from "../test/browser/helpers/browser.ts";
import { startBridge } from "../test/kit/bridge.ts";
import { uniqueEventId } from "../test/kit/event-ids.ts";
import { obliterateEventKeys } from "../test/kit/obliterate.ts";
import { openWaitingRoom } from "../test/kit/waiting-room.ts";
import { startWorkerdEdge } from "../test/kit/workerd-edge.ts";
import { benchEnv } from "./lib/env.ts";
import { declareSettings, int, settingsMarkdown } from "./lib/settings.ts";

export const settings = declareSettings("challenge-cost", {
  PAGES: int({ default: 30, min: 3, max: 500, doc: "waiting pages opened, each solving one challenge in Chromium" }),
  THROTTLE: int({ default: 4, min: 1, max: 20, doc: "DevTools CPU throttling rate (4 = a mid-range phone, as Lighthouse takes it)" }),
  POW_DIFFICULTY: int({ default: 50_000, min: 1, max: 10_000_000, doc: "the edge's base difficulty (a challenge's maxnumber), as in production" }),
  VERIFICATIONS: int({ default: 2000, min: 10, max: 100_000, doc: "solutions verified to time the edge's check" }),
});

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

export async function run(_args: string[] = []): Promise<void> {
  const { values, effective } = settings.parse();
  const { PAGES, THROTTLE, POW_DIFFICULTY, VERIFICATIONS } = values;
  const { env, redisUrl } = await benchEnv();

  // the edge's side, first, while nothing else of this run is busy
  const workerEnv = { TICKET_SECRET: env.TICKET_SECRET!, CHALLENGE_TTL_SECONDS: "600", POW_DIFFICULTY: String(POW_DIFFICULTY), UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9", UPSTASH_REDIS_REST_TOKEN: "x", ACTIVE_SIGNING_KEYS: env.ACTIVE_SIGNING_KEYS!, ORIGIN_URL: "http://127.0.0.1:9" } as Env;
  const payloads: string[] = [];
  for (let i = 0; i < Math.min(VERIFICATIONS, 200); i++) {
    const c = await issueChallenge(workerEnv, "cost", 1000);
    let n = 0;
    while (createHash("sha256").update(c.salt + n).digest("hex") !== c.challenge) n++;
    payloads.push(btoa(JSON.stringify({ algorithm: c.algorithm, challenge: c.challenge, number: n, salt: c.salt, signature: c.signature })));
  }
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < VERIFICATIONS; i++) {
    const check = await checkSolution(workerEnv, "cost", payloads[i % payloads.length]!);
    if (!check.ok) throw new Error(`a good solution was refused: ${check.reason}`);
  }
  const wallUs = ((performance.now() - t0) * 1000) / VERIFICATIONS;
  const used = process.cpuUsage(cpu0);
  const cpuUs = (used.user + used.system) / VERIFICATIONS;

  // the fan's side: the waiting page in Chromium, throttled
  const redis = new Redis(redisUrl);
  const bridge = await startBridge({ redisUrl });
  const edge = await startWorkerdEdge({ upstashUrl: bridge.url, vars: { POW_DIFFICULTY: String(POW_DIFFICULTY), JOIN_LIMIT_PER_MINUTE: "10000" } });
  const browser = await launchBrowser();
  const eventId = uniqueEventId("challenge-cost");
  const solves: number[] = [];
  try {
    await openWaitingRoom(redis, eventId, { challenge: "pow", challengeFailure: "refuse" });
    for (let i = 0; i < PAGES; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send("Emulation.setCPUThrottlingRate", { rate: THROTTLE });
      // each page from its own address, so no page is asked for more work than the first
      await page.setExtraHTTPHeaders({ "cf-connecting-ip": `2001:db8:5::${(i + 1).toString(16)}` });
      await page.goto(`${edge.url}/events/${eventId}`);
      // solved, and the join it made answered: the page shows the place
      await page.waitForFunction(() => document.body.dataset.solvedInMs !== undefined && document.getElementById("state")?.textContent === "You are in line.", undefined, { timeout: 120_000 });
      solves.push(Number(await page.evaluate(() => document.body.dataset.solvedInMs)));
      await context.close();
    }
    // numbers handed out: a closed page's ticket leaves the line after the presence grace, its number stays issued
    const placed = Number((await redis.get(eventKeys(eventId).seq)) ?? 0);
    report({ PAGES, THROTTLE, POW_DIFFICULTY, VERIFICATIONS, solves, placed, chromium: browser.version(), verifyCpuUs: cpuUs, verifyWallUs: wallUs, effective });
  } finally {
    await browser.close();
    await edge.stop();
    await bridge.stop();
    await obliterateEventKeys(redis, eventId).catch(() => {});
    redis.disconnect();
  }
}

function report(r: { PAGES: number; THROTTLE: number; POW_DIFFICULTY: number; VERIFICATIONS: number; solves: number[]; placed: number; chromium: string; verifyCpuUs: number; verifyWallUs: number; effective: ReturnType<typeof settings.parse>["effective"] }) {
  const at = new Date().toISOString();
  const load = loadavg().map((l) => Math.round(l * 100) / 100);
  const median = quantile(r.solves, 0.5);
  const p95 = quantile(r.solves, 0.95);
  const round = (x: number) => Math.round(x * 10) / 10;
  const md = [
    `# bench challenge-cost (${at})`,
    "",
    `${cpus().length} cores, Bun ${Bun.version}, Chromium ${r.chromium}, load average ${load.join(" ")} at the end (other work shared the machine).`,
    "",
    `| measure | value |`,
    `|---|---:|`,
    `| proof-of-work solve in the waiting page's Web Worker, CPU throttled ${r.THROTTLE}x, difficulty ${r.POW_DIFFICULTY}: median | ${median} ms |`,
    `| the same, p95 (${r.solves.length} pages) | ${p95} ms |`,
    `| the same, fastest / slowest | ${Math.min(...r.solves)} / ${Math.max(...r.solves)} ms |`,
    `| pages that got a real place (queue numbers handed out) | ${r.placed} of ${r.PAGES} |`,
    `| edge: one verification (HMAC + SHA-256 + the salt's checks), CPU | ${round(r.verifyCpuUs)} µs |`,
    `| edge: one verification, wall time | ${round(r.verifyWallUs)} µs |`,
    "",
    `A solve tries about difficulty / 2 numbers on average (the number sought is drawn uniformly up to maxnumber), so its time spreads from near 0 to twice the median. The verification is timed in Bun over ${r.VERIFICATIONS} good solutions: the same code the Worker runs.`,
    "",
    ...settingsMarkdown(r.effective),
    "Run: `bun run bench challenge-cost`",
    "",
  ].join("\n");
  console.log("\n" + md);
  const dir = join(import.meta.dir, "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "challenge-cost.json"),
    JSON.stringify({ at, machine: { cpus: cpus().length, bun: Bun.version, chromium: r.chromium, loadAverageAtEnd: load }, throttle: r.THROTTLE, powDifficulty: r.POW_DIFFICULTY, solveMs: { median, p95, all: r.solves }, placed: r.placed, pages: r.PAGES, verification: { cpuMicroseconds: round(r.verifyCpuUs), wallMicroseconds: round(r.verifyWallUs), count: r.VERIFICATIONS }, effectiveSettings: r.effective }, null, 2) + "\n",
  );
  writeFileSync(join(dir, "challenge-cost.md"), md);
}

if (import.meta.main) await run(Bun.argv.slice(2));
