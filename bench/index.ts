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
};

const [name, ...args] = Bun.argv.slice(2);
const scenario = name ? scenarios[name] : undefined;
if (!scenario) {
  console.error(`usage: bun run bench <scenario> [args]\n\nscenarios:`);
  for (const [key, s] of Object.entries(scenarios)) console.error(`  ${key.padEnd(12)} ${s.summary}`);
  process.exit(name ? 1 : 0);
}
await (await scenario.load())(args);
