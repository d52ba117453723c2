/**
 * The bench scenarios by name: what each measures (one line) and where it lives. A scenario
 * module exports `settings` (bench/lib/settings.ts: its environment variables, declared once)
 * and `run(args)`. `bun run bench` (bench/index.ts) and the settings tables of
 * bench/README.md (bench/readme-settings.ts) both read this list.
 */
import type { Declared, Setting } from "./lib/settings.ts";

export interface ScenarioModule {
  settings: Declared<Record<string, Setting>>;
  run(args: string[]): Promise<void>;
}

export interface Scenario {
  summary: string;
  load: () => Promise<ScenarioModule>;
}

export const scenarios: Record<string, Scenario> = {
  origin: {
    summary: "origin ceilings (bare Elysia, EVALSHA, mysql2 insert) vs the hold and purchase endpoints",
    load: () => import("./origin.ts"),
  },
  "hold-layers": {
    summary: "where a hold's CPU goes: the hold route rebuilt layer by layer (bare route + EVALSHA, script, service, guard and schemas, the origin app)",
    load: () => import("./hold-layers.ts"),
  },
  "customer-limit": {
    summary: "what counting a customer's tickets (customer_tickets upsert under its CHECK) costs the purchase transaction: with vs without, interleaved",
    load: () => import("./customer-limit.ts"),
  },
  "seat-map": {
    summary: "fans refreshing a 20,000-seat map: /seats/status and /seats against bare routes sending the same bytes; refreshes per shared Redis read",
    load: () => import("./seat-map.ts"),
  },
  edge: {
    summary: "edge Worker in workerd (wrangler dev and Miniflare): bare route vs joins/s; SSE streams 100..10,000 with Redis cmds/s and memory per stream",
    load: () => import("./edge.ts"),
  },
  proofs: {
    summary: "device binding's cost on /api calls through the Worker in workerd: unbound vs bound (a DPoP proof each) reads and changes, latency and workerd CPU per call",
    load: () => import("./proofs.ts"),
  },
  crowd: {
    summary: "a crowd (10x capacity, at least 20,000 fans in 10 s) through the Worker in workerd: join, SSE or polling, claim, hold, buy; joins vs the bare route, Redis and Upstash cost per join, memory per stream, invariants",
    load: () => import("./crowd.ts"),
  },
  bots: {
    summary: "1,000 bots that do not solve the proof-of-work and 100 real clients that do, through the Worker in workerd: refused, then in the infinite queue; the added cost per legitimate join against the plain join",
    load: () => import("./bots.ts"),
  },
  "challenge-cost": {
    summary: "the proof-of-work's cost: the waiting page's solve in Chromium with CPU throttling (median, p95) and the edge's CPU per verification",
    load: () => import("./challenge-cost.ts"),
  },
  capacity: {
    summary: "database purchase capacity (real inserts under the unique index, doubling concurrency); stored for the scheduler",
    load: () => import("./capacity.ts"),
  },
  journey: {
    summary: "fans arriving at a rate go through the local edge (workerd) to the origin: join, SSE wait, claim, hold, buy; per-step latency, status counts, invariants from MySQL and Redis",
    load: () => import("./journey.ts"),
  },
  race: {
    summary: "race experiments: 100 and 1,000 buyers on one seat, 1 and 2 origin instances; no control, in-process mutex, DB locks, the real design",
    load: () => import("./experiments/race.ts"),
  },
  "honest-line": {
    summary: "the honest line: the cutoff estimate's error and calibration over simulated sales; from the last seat sold to every waiting stream told, through the Worker in workerd",
    load: () => import("./honest-line.ts"),
  },
  overload: {
    summary: "a crowd 10x what the database can serve arrives at once: purchase TPS, queue, admissions/s, p95 over time",
    load: () => import("./overload.ts"),
  },
};
