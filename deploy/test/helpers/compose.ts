/**
 * Resolves deploy/compose.yml with the Compose CLI (`docker compose config`), which
 * validates it against the Compose specification, and normalizes the two output shapes:
 * Compose v2 (`--format json`) and the Python docker-compose 1.29 of Debian (YAML).
 */
import { isAbsolute, join, resolve } from "node:path";

export const repoRoot = join(import.meta.dir, "..", "..", "..");
export const composeFile = join(repoRoot, "deploy", "compose.yml");

export interface Port {
  hostIp: string;
  published: number;
  target: number;
}
export interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
}
export interface Service {
  name: string;
  image?: string;
  build?: { context: string; dockerfile: string; target?: string };
  command?: string[];
  environment: Record<string, string>;
  dependsOn: Record<string, string>;
  healthcheck?: { test: string[] };
  ports: Port[];
  volumes: Mount[];
  init?: boolean;
  restart?: string;
  stopSignal?: string;
  stopGracePeriod?: string;
  user?: string;
}
export interface ComposeConfig {
  services: Record<string, Service>;
  volumes: string[];
}

function composeCli(): string[] | null {
  const works = (cmd: string[]) => {
    try {
      return Bun.spawnSync([...cmd, "version"], { stdout: "ignore", stderr: "ignore" }).exitCode === 0;
    } catch {
      return false;
    }
  };
  if (works(["docker", "compose"])) return ["docker", "compose"];
  if (works(["docker-compose"])) return ["docker-compose"];
  return null;
}

export const compose = composeCli();

/** `compose config`; throws with Compose's message when the file is invalid. */
export function resolveCompose(overrides: Record<string, string> = {}): ComposeConfig {
  if (!compose) throw new Error("no Compose CLI: install Docker Compose v2, or Debian's docker-compose");
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("CU_") && !k.startsWith("COMPOSE_")) env[k] = v;
  const v2 = compose[0] === "docker";
  const proc = Bun.spawnSync([...compose, "-f", composeFile, "config", ...(v2 ? ["--format", "json"] : [])], {
    cwd: repoRoot,
    env: { ...env, ...overrides },
  });
  if (proc.exitCode !== 0) throw new Error(`${compose.join(" ")} config failed:\n${proc.stderr.toString()}`);
  const out = proc.stdout.toString();
  return normalize(v2 ? JSON.parse(out) : Bun.YAML.parse(out));
}

function port(p: unknown): Port {
  if (typeof p === "string") {
    const m = /^(?:(\[?[\d.:a-f]+\]?):)?(\d+):(\d+)(?:\/\w+)?$/.exec(p);
    if (!m) throw new Error(`unreadable port ${p}`);
    return { hostIp: m[1] ?? "", published: Number(m[2]), target: Number(m[3]) };
  }
  const o = p as { host_ip?: string; published?: string | number; target: number };
  return { hostIp: o.host_ip ?? "", published: Number(o.published), target: Number(o.target) };
}

function mount(v: unknown): Mount {
  if (typeof v === "string") {
    const [source, target, mode] = v.split(":");
    return { source: source!, target: target!, readOnly: (mode ?? "").split(",").includes("ro") };
  }
  const o = v as { source: string; target: string; read_only?: boolean };
  return { source: o.source, target: o.target, readOnly: o.read_only === true };
}

function normalize(raw: any): ComposeConfig {
  const services: Record<string, Service> = {};
  for (const [name, s] of Object.entries<any>(raw.services ?? {})) {
    const dependsOn: Record<string, string> = {};
    if (Array.isArray(s.depends_on)) for (const d of s.depends_on) dependsOn[d] = "service_started";
    else for (const [d, spec] of Object.entries<any>(s.depends_on ?? {})) dependsOn[d] = spec?.condition ?? "service_started";
    const environment: Record<string, string> = {};
    if (Array.isArray(s.environment)) {
      for (const kv of s.environment) {
        const i = String(kv).indexOf("=");
        environment[String(kv).slice(0, i)] = String(kv).slice(i + 1);
      }
    } else for (const [k, v] of Object.entries(s.environment ?? {})) environment[k] = String(v ?? "");
    const build = s.build
      ? {
          context: s.build.context,
          dockerfile: isAbsolute(s.build.dockerfile ?? "Dockerfile") ? s.build.dockerfile : resolve(s.build.context, s.build.dockerfile ?? "Dockerfile"),
          target: s.build.target,
        }
      : undefined;
    services[name] = {
      name,
      image: s.image,
      build,
      command: typeof s.command === "string" ? ["sh", "-c", s.command] : s.command,
      environment,
      dependsOn,
      healthcheck: s.healthcheck && !s.healthcheck.disable ? { test: s.healthcheck.test } : undefined,
      ports: (s.ports ?? []).map(port),
      volumes: (s.volumes ?? []).map(mount),
      init: s.init,
      restart: s.restart,
      stopSignal: s.stop_signal,
      stopGracePeriod: s.stop_grace_period,
      user: s.user,
    };
  }
  return { services, volumes: Object.keys(raw.volumes ?? {}) };
}

/** Seconds of a Compose duration ("1m30s", "30s"). */
export function seconds(duration: string | undefined): number {
  if (!duration) return 0;
  let total = 0;
  for (const m of duration.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|ns)/g)) {
    const n = Number(m[1]);
    total += { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, ns: 1e-9 }[m[2] as "h"] * n;
  }
  return total;
}
