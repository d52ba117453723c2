/**
 * The compose stack's generated secrets: each service's file holds only what it needs,
 * a restart keeps them, Bun reads the origin's file as the container does
 * (`bun --env-file`), and the edge started by deploy/compose/edge-dev.sh (wrangler dev,
 * secrets from its file) publishes exactly the public keys the origin verifies with, so a
 * token the edge signs passes the origin's check.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLocalJWKSet, type JSONWebKeySet } from "jose";
import { signActiveToken, verifyActiveToken, type SigningJwk } from "../../common/tokens.ts";
import { parseEnvFile, SECRET_FILES, writeComposeSecrets } from "../compose/secrets.ts";
import { repoRoot } from "./helpers/compose.ts";

const root = mkdtempSync(join(tmpdir(), "cu-secrets-"));
const dir = join(root, "secrets");
afterAll(() => rmSync(root, { recursive: true, force: true }));

const read = (file: string) => parseEnvFile(readFileSync(join(dir, file), "utf8"));

async function freePort(): Promise<number> {
  const s = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = s.port!;
  s.stop(true);
  return port;
}

describe("deploy/compose/secrets.ts", () => {
  test("writes one private file per service holding only that service's secrets", async () => {
    expect((await writeComposeSecrets(dir)).created).toBe(true);
    for (const [file, keys] of Object.entries(SECRET_FILES)) {
      expect(Object.keys(read(file)).sort()).toEqual([...keys].sort());
      for (const k of keys) expect(read(file)[k]!.length).toBeGreaterThan(16);
      expect(statSync(join(dir, file)).mode & 0o077).toBe(0);
    }
    expect(read("origin.env").ACTIVE_SIGNING_KEYS).toBeUndefined();
    expect(read("origin.env").ACTIVE_JWKS).not.toContain('"d"');
    expect(read("edge.env").ORIGIN_AUTH_SECRET).toBe(read("origin.env").ORIGIN_AUTH_SECRET!);
    expect(read("bridge.env").UPSTASH_REDIS_REST_TOKEN).toBe(read("edge.env").UPSTASH_REDIS_REST_TOKEN!);
  });

  test("a second start keeps every secret, so sessions and tokens survive restarts", async () => {
    const before = read("all.env");
    expect((await writeComposeSecrets(dir)).created).toBe(false);
    expect(read("all.env")).toEqual(before);
  });

  test("the origin container reads its file with bun --env-file", () => {
    const p = Bun.spawnSync(
      ["bun", `--env-file=${join(dir, "origin.env")}`, "-e", "console.log(JSON.stringify({ a: process.env.ADMIN_KEY, j: JSON.parse(process.env.ACTIVE_JWKS).keys.length }))"],
      { cwd: root, env: { PATH: process.env.PATH! } },
    );
    expect(p.exitCode).toBe(0);
    expect(JSON.parse(p.stdout.toString())).toEqual({ a: read("origin.env").ADMIN_KEY!, j: 1 });
  });

  test("the edge under edge-dev.sh publishes the keys the origin verifies with", async () => {
    const port = await freePort();
    const proc = Bun.spawn(["sh", "deploy/compose/edge-dev.sh"], {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH!,
        HOME: root,
        WRANGLER_SEND_METRICS: "false",
        EDGE_IP: "127.0.0.1",
        EDGE_PORT: String(port),
        EDGE_INSPECTOR_PORT: String(await freePort()),
        SECRETS_FILE: join(dir, "edge.env"),
        ORIGIN_URL: "http://127.0.0.1:9",
        UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9",
      },
      stdout: "ignore",
      stderr: "pipe",
    });
    try {
      const base = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + 60_000;
      while (!(await fetch(`${base}/healthz`).then((r) => r.ok, () => false))) {
        if (proc.exitCode !== null) throw new Error(`edge-dev.sh exited (${proc.exitCode}): ${await new Response(proc.stderr).text()}`);
        if (Date.now() > deadline) throw new Error("the edge did not answer /healthz within 60 s");
        await Bun.sleep(200);
      }
      const published = (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
      const originKeys = JSON.parse(read("origin.env").ACTIVE_JWKS!) as JSONWebKeySet;
      expect(published.keys.map((k) => [k.kid, k.x, k.y])).toEqual(originKeys.keys.map((k) => [k.kid, k.x, k.y]));

      const [signing] = JSON.parse(read("edge.env").ACTIVE_SIGNING_KEYS!) as SigningJwk[];
      const token = await signActiveToken({ evt: "deploy-test", sid: "s1" }, 60, signing!);
      expect(await verifyActiveToken(token, createLocalJWKSet(originKeys), "deploy-test")).not.toBeNull();
      expect(await verifyActiveToken(token, createLocalJWKSet(published), "deploy-test")).not.toBeNull();
    } finally {
      proc.kill("SIGTERM");
      const exited = await Promise.race([proc.exited.then(() => true), Bun.sleep(10_000).then(() => false)]);
      if (!exited) proc.kill("SIGKILL");
    }
  }, 90_000);
});
