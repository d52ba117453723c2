/**
 * `bun run bench <scenario>`: runs one benchmark scenario by name (bench/scenarios.ts).
 * `bun run bench <scenario> --help` (or `bun run bench help <scenario>`) lists its settings
 * with their defaults, bounds and docs; a bad setting stops the run before anything starts.
 */
import { helpText, SettingError } from "./lib/settings.ts";
import { scenarios } from "./scenarios.ts";

const argv = Bun.argv.slice(2);
const wantsHelp = argv[0] === "help" || argv.includes("--help") || argv.includes("-h");
const [name, ...args] = argv[0] === "help" ? argv.slice(1) : argv.filter((a) => a !== "--help" && a !== "-h");
const scenario = name ? scenarios[name] : undefined;
if (!scenario) {
  if (name) console.error(`no scenario named ${name}\n`);
  console.error(`usage: bun run bench <scenario> [args]\n       bun run bench <scenario> --help   (its settings)\n\nscenarios:`);
  for (const [key, s] of Object.entries(scenarios)) console.error(`  ${key.padEnd(12)} ${s.summary}`);
  process.exit(name ? 1 : 0);
}
const mod = await scenario.load();
if (wantsHelp) {
  console.log(helpText(mod.settings, scenario.summary));
  process.exit(0);
}
try {
  // a scenario parses its settings first thing, so a bad one stops it before anything starts
  await mod.run(args);
} catch (e) {
  if (!(e instanceof SettingError)) throw e;
  console.error(`bench ${name}: ${e.message}\nsee \`bun run bench ${name} --help\``);
  process.exit(2);
}
