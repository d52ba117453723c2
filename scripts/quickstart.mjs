#!/usr/bin/env node
/**
 * `node scripts/quickstart.mjs`: the README's first command, for a machine that has only
 * Node.js and npm. Plain Node (no packages, no TypeScript) because it runs before Bun and
 * before `bun install`. It installs the pinned Bun from npm when no `bun` is on PATH
 * (`npm install -g bun@1.4.5`; into ~/.local when the global folder is not writable), then
 * runs `bun install` and `bun run dev` with that Bun first on PATH. Arguments are passed to
 * `bun run dev` (e.g. `-- --origins 2`). Where Bun is already installed this is exactly
 * `bun install && bun run dev`. Ctrl-C reaches `bun run dev` as usual and stops the stack.
 */
import { spawn, spawnSync } from "node:child_process";
import { homedir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
// the same Bun as .ci/run installs and @types/bun describes
const BUN_VERSION = "1.4.5";

function say(line) {
  console.log(`- ${line}`);
}

/** `bun --version` of the bun at `path` (or on PATH), or null when there is none. */
function bunVersion(path = "bun", env = process.env) {
  const out = spawnSync(path, ["--version"], { encoding: "utf8", env });
  return out.status === 0 ? out.stdout.trim() : null;
}

function npm(args, env = process.env) {
  return spawnSync("npm", args, { stdio: ["ignore", "inherit", "inherit"], env }).status === 0;
}

/** The bin folder of npm's global prefix (where `npm install -g` puts commands). */
function globalBin(env) {
  const out = spawnSync("npm", ["prefix", "-g"], { encoding: "utf8", env });
  if (out.status !== 0) throw new Error("`npm prefix -g` failed: is npm installed?");
  const prefix = out.stdout.trim();
  return join(prefix, "bin");
}

/** Installs Bun from npm and returns the folder holding its `bun` command. */
function installBun() {
  const tries = [
    { where: "npm's global folder", env: process.env },
    { where: "~/.local", env: { ...process.env, npm_config_prefix: join(homedir(), ".local") } },
  ];
  for (const { where, env } of tries) {
    say(`installing Bun ${BUN_VERSION} from npm into ${where} (npm install -g bun@${BUN_VERSION})`);
    // npm's warnings are left out: whether the result runs is checked just below
    if (!npm(["install", "-g", "--no-audit", "--no-fund", "--loglevel=error", `bun@${BUN_VERSION}`], env)) continue;
    const bin = globalBin(env);
    const bun = join(bin, "bun");
    // npm releases that hold back install scripts leave some platforms without the binary
    if (bunVersion(bun) !== BUN_VERSION) npm(["install", "-g", "--no-audit", "--no-fund", `--allow-scripts=bun`, `bun@${BUN_VERSION}`], env);
    if (bunVersion(bun) === BUN_VERSION) return bin;
  }
  throw new Error(`could not install Bun ${BUN_VERSION} with npm; install it by hand (https://bun.sh) and run \`bun install && bun run dev\``);
}

function run(cmd, args, env) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: "inherit" });
    // Ctrl-C already reaches the child (same process group); a SIGTERM or SIGHUP sent to
    // this process alone is passed on, and this process waits for the child to finish.
    const pass = (signal) => child.kill(signal);
    const ignore = () => {};
    process.on("SIGINT", ignore);
    process.on("SIGTERM", pass);
    process.on("SIGHUP", pass);
    child.on("exit", (code, signal) => {
      process.off("SIGINT", ignore);
      process.off("SIGTERM", pass);
      process.off("SIGHUP", pass);
      resolve(code ?? (signal ? 1 : 0));
    });
    child.on("error", (error) => {
      console.error(`${cmd}: ${error.message}`);
      resolve(1);
    });
  });
}

try {
  let env = process.env;
  const found = bunVersion();
  if (found) {
    say(`using bun ${found} from PATH${found === BUN_VERSION ? "" : ` (Concert-U is tested with ${BUN_VERSION}: npm install -g bun@${BUN_VERSION})`}`);
  } else {
    const bin = installBun();
    env = { ...process.env, PATH: [bin, process.env.PATH ?? ""].join(delimiter) };
    const onPath = (process.env.PATH ?? "").split(delimiter).includes(bin);
    say(`bun ${BUN_VERSION} is in ${bin}${onPath ? "" : `: add that folder to PATH to run \`bun run test\` and the other scripts`}`);
  }
  say("bun install");
  const installed = await run("bun", ["install"], env);
  if (installed !== 0) process.exit(installed);
  say("bun run dev");
  process.exit(await run("bun", ["run", "dev", ...process.argv.slice(2)], env));
} catch (error) {
  console.error(`\nquickstart failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
