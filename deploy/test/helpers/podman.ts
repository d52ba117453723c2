/**
 * podman for the image and compose tests: whether it is installed, the settings machines
 * like the CI runners need (deploy/standins/containers.conf), the local stand-in base
 * images (deploy/standins/build.sh), and builds of deploy/Dockerfile on them with the
 * machine's CA as a build secret (the npm registry may sit behind a TLS-intercepting proxy).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./compose.ts";

const standins = join(repoRoot, "deploy", "standins");

export const podmanBin = Bun.which("podman");

export const podmanEnv: Record<string, string> = {
  ...(process.env as Record<string, string>),
  CONTAINERS_CONF: process.env.CONTAINERS_CONF ?? join(standins, "containers.conf"),
};

export interface Run {
  code: number;
  out: string;
  err: string;
}

/** Runs `podman ...args` and returns its output; throws when it fails unless `allowFail`. */
export async function podman(args: string[], opts: { allowFail?: boolean } = {}): Promise<Run> {
  const proc = Bun.spawn([podmanBin ?? "podman", ...args], { env: podmanEnv, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0 && !opts.allowFail) throw new Error(`podman ${args.join(" ")} exited ${code}:\n${err}${out}`);
  return { code, out: out.trim(), err };
}

/** Names of the stand-in images (deploy/standins/images.env). */
export function standinNames(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(join(standins, "images.env"), "utf8").split("\n")) {
    const m = /^([A-Z0-9_]+)=(\S+)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

/** Builds the stand-in base images that podman does not hold yet (seconds when all exist). */
export async function buildStandins(): Promise<Record<string, string>> {
  const proc = Bun.spawn(["bash", join(standins, "build.sh")], { env: podmanEnv, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`deploy/standins/build.sh exited ${code}:\n${err}${out}`);
  return standinNames();
}

/** The CA bundle a build passes to `bun install` (CU_BUILD_CA, else what Node and Bun trust here). */
export function buildCa(): string | undefined {
  for (const file of [process.env.CU_BUILD_CA, process.env.NODE_EXTRA_CA_CERTS, process.env.SSL_CERT_FILE]) {
    if (file && existsSync(file)) return file;
  }
  return undefined;
}

/** The Dockerfile's base-image build arguments pointing at the stand-ins. */
export function standinBuildArgs(names = standinNames()): Record<string, string> {
  return { BUN_IMAGE: names.CU_BUN_IMAGE!, BUN_SLIM_IMAGE: names.CU_BUN_IMAGE!, NODE_IMAGE: names.CU_NODE_IMAGE! };
}

/**
 * `podman build` of one deploy/Dockerfile target on the stand-ins (docker format, so the
 * HEALTHCHECK is kept), with the CA as the `ca` build secret when there is one.
 */
export async function buildImage(target: string, tag: string): Promise<{ seconds: number }> {
  const started = performance.now();
  const ca = buildCa();
  const args = Object.entries(standinBuildArgs()).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]);
  await podman([
    "build",
    "--quiet",
    "--format",
    "docker",
    "--pull=never",
    "--network",
    "host",
    ...(ca ? ["--secret", `id=ca,src=${ca}`] : []),
    ...args,
    "--target",
    target,
    "-t",
    tag,
    "-f",
    join(repoRoot, "deploy", "Dockerfile"),
    repoRoot,
  ]);
  return { seconds: (performance.now() - started) / 1000 };
}

/** Size of an image in bytes, as podman reports it. */
export async function imageSize(tag: string): Promise<number> {
  return Number((await podman(["image", "inspect", "--format", "{{.Size}}", tag])).out);
}

/** Polls `check` until it is true; throws with `what` after `timeoutMs`. */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs: number, everyMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await Bun.sleep(everyMs);
  }
}
