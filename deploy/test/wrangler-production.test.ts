/**
 * edge/wrangler.toml's production environment builds offline (`wrangler deploy --dry-run
 * --env production`) and is complete: environments do not inherit [vars], so every
 * setting of the dev [vars] is repeated, none points at this machine, and it has routes.
 */
import { expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const edgeDir = join(import.meta.dir, "../../edge");
const toml = Bun.TOML.parse(readFileSync(join(edgeDir, "wrangler.toml"), "utf8")) as any;
const production = toml.env?.production;

test("production has routes and repeats every var, with no local URL", () => {
  expect(production).toBeDefined();
  expect(production.routes?.length).toBeGreaterThan(0);
  expect(production.workers_dev).toBe(false);
  expect(Object.keys(production.vars ?? {}).sort()).toEqual(Object.keys(toml.vars).sort());
  for (const value of Object.values(production.vars as Record<string, string>)) expect(value).not.toMatch(/127\.0\.0\.1|localhost/);
  // secrets never sit in the file
  for (const secret of ["ACTIVE_SIGNING_KEYS", "TICKET_SECRET", "ORIGIN_AUTH_SECRET", "UPSTASH_REDIS_REST_TOKEN"]) expect(production.vars).not.toHaveProperty(secret);
});

test("wrangler deploy --dry-run --env production bundles the Worker offline", () => {
  const outdir = mkdtempSync(join(tmpdir(), "cu-wrangler-"));
  try {
    const run = Bun.spawnSync(["bunx", "wrangler", "deploy", "--dry-run", "--env", "production", "--outdir", outdir], {
      cwd: edgeDir,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1" },
    });
    const out = run.stdout.toString() + run.stderr.toString();
    expect(run.exitCode, out).toBe(0);
    expect(out).toContain("--dry-run: exiting now.");
    expect(out).toContain(production.vars.ORIGIN_URL);
    expect(existsSync(join(outdir, "worker.js"))).toBe(true);
    expect(readFileSync(join(outdir, "worker.js"), "utf8")).toContain("/.well-known/jwks.json");
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}, 30_000);
