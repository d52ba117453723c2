/**
 * deploy/Dockerfile: the origin image is multi-stage on the pinned Bun image, ships only
 * production dependencies, runs as a non-root user, checks its own health and stops on
 * SIGTERM; no secret of the working tree can reach any image; and the files the origin
 * stage copies are enough to apply migrations and serve /health with production
 * dependencies only, with the image's own HEALTHCHECK command telling up from down.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "./helpers/compose.ts";
import { all, commandOf, envOf, globalArgs, last, parseCopy, parseDockerfile, runParts } from "./helpers/dockerfile.ts";
import { dockerignore } from "./helpers/dockerignore.ts";
import { layOutStage } from "./helpers/stage.ts";

const dockerfile = join(repoRoot, "deploy", "Dockerfile");
const stages = parseDockerfile(dockerfile);
const origin = stages.at(-1)!;
const byName = (name: string) => stages.find((s) => s.name === name)!;

describe("deploy/Dockerfile", () => {
  test("is multi-stage, and every Bun stage is on the pinned oven/bun:1.4.5 image", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const bun = stages.filter((s) => s.image.startsWith("oven/bun"));
    expect(bun.length).toBeGreaterThanOrEqual(2);
    for (const s of bun) expect(s.image).toMatch(/^oven\/bun:1\.4\.5(-(slim|alpine|distroless|debian))?$/);
  });

  test("the default target (last stage) is the origin", () => {
    expect(origin.name).toBe("origin");
    expect(origin.image).toMatch(/^oven\/bun:1\.4\.5/);
    expect(commandOf(last(origin, "CMD")!)).toEqual(["bun", "origin/src/main.ts"]);
  });

  test("runs as a non-root user", () => {
    const user = last(origin, "USER")?.args;
    expect(user).toBeDefined();
    expect(user!.split(":")[0]).not.toMatch(/^(root|0)$/);
  });

  test("ships node_modules only from a `bun install --frozen-lockfile --production` stage", () => {
    const fromStages = all(origin, "COPY").map(parseCopy).filter((c) => c.from);
    const modules = fromStages.filter((c) => c.sources.some((s) => s.endsWith("node_modules")));
    expect(modules).toHaveLength(1);
    const deps = byName(modules[0]!.from!);
    const installs = all(deps, "RUN").map((r) => r.args);
    expect(installs.some((r) => /\bbun install\b/.test(r) && r.includes("--frozen-lockfile") && r.includes("--production"))).toBe(true);
    expect(installs.some((r) => /\bbun install\b/.test(r) && !r.includes("--production"))).toBe(false);
  });

  test("copies named paths, never the whole build context", () => {
    for (const c of all(origin, "COPY").map(parseCopy).filter((c) => !c.from)) {
      for (const src of c.sources) expect(src).not.toMatch(/^\.\/?$/);
    }
    expect(all(origin, "ADD")).toHaveLength(0);
  });

  test("has a HEALTHCHECK on /health and stops on SIGTERM", () => {
    const hc = last(origin, "HEALTHCHECK")!;
    expect(hc.args).toMatch(/--interval=\d+s/);
    expect(hc.args).toMatch(/--timeout=\d+s/);
    expect(commandOf(hc).join(" ")).toContain("/health");
    expect(last(origin, "STOPSIGNAL")?.args).toBe("SIGTERM");
    expect(envOf(origin).NODE_ENV).toBe("production");
  });

  test("base images are build arguments whose defaults are the production images", () => {
    expect(globalArgs(dockerfile)).toEqual({ BUN_IMAGE: "oven/bun:1.4.5", BUN_SLIM_IMAGE: "oven/bun:1.4.5-slim", NODE_IMAGE: "node:20-bookworm-slim" });
    const names = new Set(stages.map((s) => s.name));
    for (const s of stages.filter((s) => !names.has(s.image))) expect(`${s.name}: ${s.imageArg}`).toMatch(/^\S+: (BUN_IMAGE|BUN_SLIM_IMAGE|NODE_IMAGE)$/);
    expect(origin.imageArg).toBe("BUN_SLIM_IMAGE");
    // what a build with --build-arg gets
    const swapped = parseDockerfile(dockerfile, { BUN_IMAGE: "local/bun:x", BUN_SLIM_IMAGE: "local/bun:x", NODE_IMAGE: "local/node:y" });
    expect(new Set(swapped.map((s) => s.image))).toEqual(new Set(["local/bun:x", "local/node:y"]));
  });

  test("every bun install can use a CA given as an optional build secret, and only that step sees it", () => {
    const installs = stages.flatMap((s) => all(s, "RUN")).filter((r) => /\bbun install\b/.test(r.args));
    expect(installs.length).toBeGreaterThanOrEqual(2);
    for (const run of installs) {
      const { options, command } = runParts(run);
      const mount = options.find((o) => o.startsWith("--mount="))?.slice("--mount=".length).split(",") ?? [];
      expect(mount.sort()).toEqual(["id=ca", "required=false", "type=secret"]);
      // only when the secret was given: without it Bun keeps its own CA store
      expect(command).toMatch(/^if \[ -s \/run\/secrets\/ca \]; then export SSL_CERT_FILE=\/run\/secrets\/ca NODE_EXTRA_CA_CERTS=\/run\/secrets\/ca; fi; bun install /);
    }
    for (const s of stages) for (const i of s.instructions.filter((i) => i.keyword !== "RUN")) expect(i.args).not.toContain("/run/secrets");
  });

  test("no secret or local state of the working tree reaches the build context", () => {
    const sent = dockerignore(join(repoRoot, ".dockerignore"));
    for (const secret of [".env", ".env.local", ".env.production", "edge/.dev.vars", "deploy/.env", "node_modules/jose/package.json", ".git/config", ".data/redis/dump.rdb", "edge/.wrangler/state/x"]) {
      expect(`${secret} sent: ${sent(secret)}`).toBe(`${secret} sent: false`);
    }
    for (const needed of [".env.example", "package.json", "bun.lock", "bunfig.toml", "origin/src/main.ts", "lua/holdSeats-6.lua", "drizzle/0000_init.sql", "deploy/compose/edge-dev.sh", "scripts/upstash-bridge.ts"]) {
      expect(`${needed} sent: ${sent(needed)}`).toBe(`${needed} sent: true`);
    }
  });
});

/** Free TCP port on loopback. */
async function freePort(): Promise<number> {
  const s = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = s.port!;
  s.stop(true);
  return port;
}

describe("the origin stage's files, with production dependencies only", () => {
  const root = mkdtempSync(join(tmpdir(), "cu-image-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  let app = "";
  let env: Record<string, string> = {};

  const run = (cmd: string[], extra: Record<string, string> = {}) =>
    Bun.spawn(cmd, { cwd: app, env: { ...env, ...extra }, stdout: "pipe", stderr: "pipe" });

  const output = async (proc: ReturnType<typeof run>) => {
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    return { code, text: out + err };
  };

  test(
    "are laid out as the image would hold them, without dev dependencies",
    async () => {
      app = await layOutStage(stages, "origin", root);
      const has = (p: string) => Bun.file(join(app, p)).exists();
      expect(await has("origin/src/main.ts")).toBe(true);
      expect(await has("node_modules/elysia/package.json")).toBe(true);
      expect(await has("node_modules/wrangler/package.json")).toBe(false);
      expect(await has("node_modules/drizzle-kit/package.json")).toBe(false);
      expect(await has(".env.local")).toBe(false);
      // what the container has: the image's ENV, then what `--env-file` gives; nothing else leaks in
      env = {
        PATH: process.env.PATH!,
        HOME: root,
        ...envOf(origin),
        REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
        DATABASE_URL: process.env.DATABASE_URL ?? "mysql://root@127.0.0.1:3306/test",
        ADMIN_KEY: process.env.ADMIN_KEY!,
        ACTIVE_JWKS: process.env.ACTIVE_JWKS!,
        ORIGIN_AUTH_SECRET: process.env.ORIGIN_AUTH_SECRET!,
        ORIGIN_PORT: String(await freePort()),
      };
    },
    120_000,
  );

  test("apply migrations as the documented one-off command", async () => {
    const { code, text } = await output(run(["bun", "origin/src/db/migrate.ts"]));
    expect(text).not.toContain("Cannot find");
    expect(code).toBe(0);
  }, 60_000);

  test("serve /health, and the image's HEALTHCHECK command tells up from down", async () => {
    const healthcheck = commandOf(last(origin, "HEALTHCHECK")!);
    const check = async () => (await output(run(healthcheck))).code;
    expect(await check()).not.toBe(0);

    const server = run(commandOf(last(origin, "CMD")!));
    const url = `http://127.0.0.1:${env.ORIGIN_PORT}/health`;
    const deadline = Date.now() + 30_000;
    while (!(await fetch(url).then((r) => r.ok, () => false))) {
      if (server.exitCode !== null) throw new Error(`the origin exited (${server.exitCode}):\n${(await output(server)).text}`);
      if (Date.now() > deadline) throw new Error("the origin did not answer /health within 30 s");
      await Bun.sleep(100);
    }
    expect(await check()).toBe(0);

    server.kill(last(origin, "STOPSIGNAL")!.args as NodeJS.Signals);
    const stopped = await Promise.race([server.exited.then(() => true), Bun.sleep(30_000).then(() => false)]);
    if (!stopped) server.kill("SIGKILL");
    expect(stopped).toBe(true);
    expect(await check()).not.toBe(0);
  }, 90_000);
});
