export {};
/**
 * `bun run bench <scenario>`: runs one benchmark scenario by name.
 * A scenario is a module whose `run(args)` does the measuring and prints its results.
 */
type Scenario = { summary: string; load: () => Promise<(args: string[]) => Promise<void>> };

const scenarios: Record<string, Scenario> = {
  origin: {
    summary: "origin ceilings (bare Elysia, EVALSHA, mysql2 insert) vs the hold and purchase endpoints",
    load: async () => (await import("./origin.ts")).run,
  },
  "hold-layers": {
    summary: "where a hold's CPU goes: the hold route rebuilt layer by layer (bare route + EVALSHA, script, service, guard and schemas, the origin app)",
    load: async () => (await import("./hold-layers.ts")).run,
  },
  "seat-map": {
    summary: "fans refreshing a 20,000-seat map: /seats/status and /seats against bare routes sending the same bytes; refreshes per shared Redis read",
    load: async () => (await import("./seat-map.ts")).run,
  },
  edge: {
    summary: "edge Worker in workerd (wrangler dev and Miniflare): bare route vs joins/s; SSE streams 100..10,000 with Redis cmds/s and memory per stream",
    load: async () => (await import("./edge.ts")).run,
  },
  crowd: {
    summary: "a crowd (10x capacity, at least 20,000 fans in 10 s) through the Worker in workerd: join, SSE or polling, claim, hold, buy; joins vs the bare route, Redis and Upstash cost per join, memory per stream, invariants",
    load: async () => (await import("./crowd.ts")).run,
  },
  capacity: {
    summary: "database purchase capacity (real inserts under the unique index, doubling concurrency); stored for the scheduler",
    load: async () => (await import("./capacity.ts")).run,
  },
  journey: {
    summary: "fans arriving at a rate go through the local edge (workerd) to the origin: join, SSE wait, claim, hold, buy; per-step latency, status counts, invariants from MySQL and Redis",
    load: async () => (await import("./journey.ts")).run,
  },
  race: {
    summary: "race experiments: 100 and 1,000 buyers on one seat, 1 and 2 origin instances; no control, in-process mutex, DB locks, the real design",
    load: async () => (await import("./experiments/race.ts")).run,
  },
  overload: {
    summary: "a crowd 10x what the database can serve arrives at once: purchase TPS, queue, admissions/s, p95 over time",
    load: async () => (await import("./overload.ts")).run,
  },
};

const [name, ...args] = Bun.argv.slice(2);
const scenario = name ? scenarios[name] : undefined;
if (!scenario) {
  console.error(`usage: bun run bench <scenario> [args]\n\nscenarios:`);
  for (const [key, s] of Object.entries(scenarios)) console.error(`  ${key.padEnd(12)} ${s.summary}`);
  process.exit(name ? 1 : 0);
}
await (await scenario.load())(args);
