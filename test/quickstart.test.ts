/**
 * The README's first command on a machine with Node.js and npm but no Bun: the quickstart
 * installs the pinned Bun from npm, runs `bun install` and `bun run dev`, and the stack it
 * prints answers. "No Bun" is a PATH holding every command of this machine's PATH except
 * bun and bunx; npm's global folder is a temporary one, so the machine's own Bun is untouched.
 */
import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { freePort } from "./kit/free-port.ts";

const root = join(import.meta.dir, "..");
const scratch = mkdtempSync(join(tmpdir(), "cu-quickstart-"));
let quickstart: ChildProcess | undefined;

afterAll(async () => {
  if (quickstart && quickstart.exitCode === null && quickstart.signalCode === null) {
    process.kill(-quickstart.pid!, "SIGINT");
    await Promise.race([new Promise((r) => quickstart!.once("exit", r)), Bun.sleep(20_000)]);
    if (quickstart.exitCode === null) process.kill(-quickstart.pid!, "SIGKILL");
  }
  rmSync(scratch, { recursive: true, force: true });
});

/** A folder with a link to every command on PATH but `hidden` (the first of each name wins). */
function pathWithout(hidden: string[]): string {
  const bin = join(scratch, "bin");
  mkdirSync(bin);
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (!dir || !existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (hidden.includes(name) || existsSync(join(bin, name))) continue;
      symlinkSync(join(dir, name), join(bin, name));
    }
  }
  return bin;
}

function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error(`no match for ${pattern} within ${timeoutMs} ms; output:\n${text}`)), timeoutMs);
    child.stdout!.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      if (pattern.test(text)) {
        clearTimeout(timer);
        resolve(text);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`quickstart exited with ${code} before ${pattern}; output:\n${text}`));
    });
  });
}

/**
 * Runs the quickstart with bun hidden until the stack is up, checks the edge it prints,
 * presses Ctrl-C and checks everything stopped; returns what it printed.
 */
async function quickstartWithoutBun(extraEnv: Record<string, string>): Promise<string> {
  const env = { ...process.env, PATH: noBun, WRANGLER_SEND_METRICS: "false", ...extraEnv };
  expect(Bun.spawnSync(["sh", "-c", "command -v bun"], { env }).exitCode).not.toBe(0);
  expect(Bun.spawnSync(["node", "--version"], { env }).exitCode).toBe(0);

  const [originPort, edgePort] = await Promise.all([freePort(), freePort()]);
  // its own process group, so the test can press Ctrl-C the way a terminal does (to the whole group)
  quickstart = spawn("node", ["scripts/quickstart.mjs"], {
    cwd: root,
    env: { ...env, ORIGIN_PORT: String(originPort), EDGE_PORT: String(edgePort) },
    stdio: ["ignore", "pipe", "inherit"],
    detached: true,
  });
  const output = await waitForOutput(quickstart, /Ctrl-C stops everything/, 240_000);
  expect(output).toContain("installing Bun 1.4.5 from npm");

  const edgeUrl = /edge URL:\s+(\S+)/.exec(output)?.[1];
  expect(edgeUrl).toBe(`http://127.0.0.1:${edgePort}`);
  const page = await fetch(`${edgeUrl}/events/demo`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain("<html");

  const exited = new Promise<number | null>((resolve) => quickstart!.once("exit", (code) => resolve(code)));
  process.kill(-quickstart.pid!, "SIGINT");
  expect(await Promise.race([exited, Bun.sleep(30_000).then(() => "still running")])).toBe(0);
  expect(await fetch(`${edgeUrl}/events/demo`).then(() => "answers", () => "gone")).toBe("gone");
  return output;
}

const bunVersionOf = (path: string) => Bun.spawnSync([path, "--version"]).stdout.toString().trim();
const noBun = pathWithout(["bun", "bunx"]);

test("node scripts/quickstart.mjs on a machine without Bun installs Bun 1.4.5 with npm install -g and brings the stack up", async () => {
  const globalDir = join(scratch, "npm-global");
  const output = await quickstartWithoutBun({ npm_config_prefix: globalDir });
  expect(output).toContain("into npm's global folder");
  expect(bunVersionOf(join(globalDir, "bin", "bun"))).toBe("1.4.5");
  expect(readFileSync(join(root, ".ci", "run"), "utf8")).toContain("BUN_VERSION=1.4.5");
}, 300_000);

test("where npm's global folder cannot be written, Bun goes to ~/.local/bin and the quickstart says to put it on PATH", async () => {
  const home = join(scratch, "home");
  mkdirSync(home);
  // a prefix under a file: npm cannot create it, as for a user who may not write to /usr
  // (npm's download cache stays where it was, so nothing is fetched again)
  const output = await quickstartWithoutBun({ npm_config_prefix: "/dev/null/npm-global", HOME: home, npm_config_cache: join(homedir(), ".npm") });
  expect(output).toContain("into ~/.local");
  expect(bunVersionOf(join(home, ".local", "bin", "bun"))).toBe("1.4.5");
  expect(output).toContain(`add that folder to PATH`);
}, 300_000);
