/**
 * deploy/compose.yml resolves with the Compose CLI and wires the system the way
 * `docker compose -f deploy/compose.yml up` needs: every dependency can become ready,
 * two origin replicas sit behind nginx, and every URL and credential points at a
 * service that answers on it.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SECRET_FILES } from "../compose/secrets.ts";
import { parseDockerfile } from "./helpers/dockerfile.ts";
import { compose, composeFile, repoRoot, resolveCompose, seconds, type ComposeConfig, type Service } from "./helpers/compose.ts";
import { listenPort, upstreamServers } from "./helpers/nginx.ts";

if (!compose) console.warn("deploy/compose.yml: no Compose CLI found (Docker Compose v2 or Debian's docker-compose); skipping");

const ONE_OFF = ["secrets", "migrate"];

function originReplicas(cfg: ComposeConfig): Service[] {
  return Object.values(cfg.services).filter((s) => s.build?.target === "origin" && s.command?.includes("origin/src/main.ts"));
}

function envFileOf(s: Service): string | undefined {
  return /--env-file=(\S+)/.exec(s.command?.join(" ") ?? "")?.[1] ?? s.environment.SECRETS_FILE;
}

describe.skipIf(!compose)("deploy/compose.yml", () => {
  const cfg = compose ? resolveCompose() : ({ services: {}, volumes: [] } as ComposeConfig);
  const svc = (name: string) => {
    const s = cfg.services[name];
    if (!s) throw new Error(`no service ${name}`);
    return s;
  };

  test("has MySQL 8.4, Redis 7, the Upstash bridge, migrate, nginx and the edge", () => {
    expect(svc("mysql").image).toMatch(/^mysql:8\.4(\.\d+)?$/);
    expect(svc("redis").image).toMatch(/^redis:7(\.\d+)*(-\w+)?$/);
    expect(svc("bridge").command).toContain("scripts/upstash-bridge.ts");
    expect(svc("migrate").command!.join(" ")).toContain("origin/src/db/migrate.ts");
    expect(svc("migrate").command!.join(" ")).toContain("origin/src/db/seed.ts");
    expect(svc("nginx").image).toMatch(/^nginx:/);
    expect(svc("edge").build?.target).toBe("edge-dev");
  });

  test("runs exactly two origin replicas, and nginx balances over exactly those", () => {
    const replicas = originReplicas(cfg);
    expect(replicas).toHaveLength(2);
    const upstream = upstreamServers();
    expect(upstream.map((u) => u.host).sort()).toEqual(replicas.map((r) => r.name).sort());
    for (const r of replicas) {
      expect(upstream.find((u) => u.host === r.name)!.port).toBe(Number(r.environment.ORIGIN_PORT));
      expect(svc("nginx").dependsOn[r.name]).toBe("service_healthy");
    }
  });

  test("every image is built from a stage deploy/Dockerfile has", () => {
    const stages = new Set(parseDockerfile(join(repoRoot, "deploy", "Dockerfile")).map((s) => s.name));
    for (const s of Object.values(cfg.services).filter((s) => s.build)) {
      expect(s.build!.context).toBe(repoRoot);
      expect(s.build!.dockerfile).toBe(join(repoRoot, "deploy", "Dockerfile"));
      expect(stages.has(s.build!.target)).toBe(true);
    }
  });

  test("every long-running service has a healthcheck", () => {
    const running = Object.values(cfg.services).filter((s) => !ONE_OFF.includes(s.name));
    expect(running.length).toBeGreaterThanOrEqual(7);
    for (const s of running) {
      expect(s.healthcheck?.test?.length ?? 0).toBeGreaterThan(1);
      expect(s.restart).toBe("unless-stopped");
    }
  });

  test("every dependency can be met, in an order without cycles", () => {
    for (const s of Object.values(cfg.services)) {
      for (const [dep, condition] of Object.entries(s.dependsOn)) {
        const target = svc(dep);
        if (condition === "service_healthy") expect(target.healthcheck).toBeDefined();
        else if (condition === "service_completed_successfully") expect(ONE_OFF).toContain(dep);
        else throw new Error(`${s.name} waits for ${dep} only to start (${condition}); wait for it to be healthy`);
      }
    }
    const done = new Set<string>();
    let progress = true;
    while (progress) {
      progress = false;
      for (const s of Object.values(cfg.services)) {
        if (!done.has(s.name) && Object.keys(s.dependsOn).every((d) => done.has(d))) {
          done.add(s.name);
          progress = true;
        }
      }
    }
    expect([...done].sort()).toEqual(Object.keys(cfg.services).sort());
  });

  test("origins start only after secrets, migrations, Redis and MySQL", () => {
    for (const r of originReplicas(cfg)) {
      expect(r.dependsOn).toMatchObject({
        secrets: "service_completed_successfully",
        migrate: "service_completed_successfully",
        redis: "service_healthy",
        mysql: "service_healthy",
      });
    }
    expect(svc("edge").dependsOn).toMatchObject({ bridge: "service_healthy", nginx: "service_healthy" });
  });

  test("origins drain on SIGTERM under an init process, with 30 s before a kill", () => {
    for (const r of originReplicas(cfg)) {
      expect(r.init).toBe(true);
      expect(r.stopSignal ?? "SIGTERM").toBe("SIGTERM");
      expect(seconds(r.stopGracePeriod)).toBeGreaterThanOrEqual(30);
    }
  });

  test("the origin and migrate reach MySQL with the credentials MySQL was created with", () => {
    const my = svc("mysql").environment;
    for (const s of [...originReplicas(cfg), svc("migrate")]) {
      const url = new URL(s.environment.DATABASE_URL!);
      expect(url.protocol).toBe("mysql:");
      expect(url.hostname).toBe("mysql");
      expect(Number(url.port || 3306)).toBe(3306);
      expect(decodeURIComponent(url.username)).toBe(my.MYSQL_USER!);
      expect(decodeURIComponent(url.password)).toBe(my.MYSQL_PASSWORD!);
      expect(url.pathname.slice(1)).toBe(my.MYSQL_DATABASE!);
    }
  });

  test("a password changed in deploy/.env changes both MySQL and every DATABASE_URL", () => {
    const changed = resolveCompose({ CU_MYSQL_PASSWORD: "s3cret-from-env" });
    expect(changed.services.mysql!.environment.MYSQL_PASSWORD).toBe("s3cret-from-env");
    for (const s of [...originReplicas(changed), changed.services.migrate!]) {
      expect(decodeURIComponent(new URL(s.environment.DATABASE_URL!).password)).toBe("s3cret-from-env");
    }
  });

  test("origin, migrate and bridge reach the redis service", () => {
    for (const s of [...originReplicas(cfg), svc("migrate"), svc("bridge")]) {
      expect(new URL(s.environment.REDIS_URL!).host).toBe("redis:6379");
    }
  });

  test("the edge proxies to nginx and reaches Redis through the bridge, on the ports they listen on", () => {
    const edge = svc("edge").environment;
    const origin = new URL(edge.ORIGIN_URL!);
    expect(origin.hostname).toBe("nginx");
    expect(Number(origin.port)).toBe(listenPort());
    const upstash = new URL(edge.UPSTASH_REDIS_REST_URL!);
    expect(upstash.hostname).toBe("bridge");
    expect(upstash.port).toBe(svc("bridge").environment.UPSTASH_BRIDGE_PORT!);
    expect(svc("bridge").environment.UPSTASH_BRIDGE_HOST).toBe("0.0.0.0");
  });

  test("each service reads the generated secrets it needs from the secrets volume", () => {
    const needs: Record<string, string[]> = {
      "origin.env": ["ADMIN_KEY", "ACTIVE_JWKS", "ORIGIN_AUTH_SECRET"],
      "edge.env": ["TICKET_SECRET", "ACTIVE_SIGNING_KEYS", "UPSTASH_REDIS_REST_TOKEN", "ORIGIN_AUTH_SECRET"],
      "bridge.env": ["UPSTASH_REDIS_REST_TOKEN"],
    };
    expect(cfg.volumes).toContain("secrets");
    const writer = svc("secrets");
    const dir = writer.command!.at(-1)!;
    expect(writer.volumes).toContainEqual({ source: "secrets", target: dir, readOnly: false });
    for (const s of [...originReplicas(cfg), svc("migrate"), svc("bridge"), svc("edge")]) {
      const file = envFileOf(s);
      expect(file).toBeDefined();
      expect(file!.startsWith(`${dir}/`)).toBe(true);
      const name = file!.slice(dir.length + 1) as keyof typeof SECRET_FILES;
      expect(SECRET_FILES[name]).toBeDefined();
      expect(s.volumes).toContainEqual({ source: "secrets", target: dir, readOnly: true });
      expect(s.dependsOn.secrets).toBe("service_completed_successfully");
      for (const key of needs[name] ?? []) expect(SECRET_FILES[name] as readonly string[]).toContain(key);
    }
    expect(envFileOf(svc("edge"))).toBe(`${dir}/edge.env`);
    expect(envFileOf(svc("bridge"))).toBe(`${dir}/bridge.env`);
  });

  test("publishes only the edge, nginx, MySQL and Redis, and only on loopback", () => {
    const published = Object.values(cfg.services).flatMap((s) => s.ports.map((p) => ({ ...p, service: s.name })));
    expect(published.map((p) => p.service).sort()).toEqual(["edge", "mysql", "nginx", "redis"]);
    for (const p of published) expect(p.hostIp).toBe("127.0.0.1");
    const edge = published.find((p) => p.service === "edge")!;
    expect(edge.target).toBe(Number(svc("edge").environment.EDGE_PORT));
    expect(published.find((p) => p.service === "nginx")!.target).toBe(listenPort());
  });

  test("the mysql, redis and nginx images can be swapped for stand-ins from the environment", () => {
    const swapped = resolveCompose({ CU_MYSQL_IMAGE: "local/mariadb:10.11", CU_REDIS_IMAGE: "local/redis:7.0", CU_NGINX_IMAGE: "local/nginx:1.22" });
    expect([swapped.services.mysql!.image, swapped.services.redis!.image, swapped.services.nginx!.image]).toEqual(["local/mariadb:10.11", "local/redis:7.0", "local/nginx:1.22"]);
  });

  test("host ports can be moved from deploy/.env", () => {
    const moved = resolveCompose({ CU_EDGE_PORT: "18787", CU_ORIGIN_PORT: "13000" });
    expect(moved.services.edge!.ports[0]!.published).toBe(18787);
    expect(moved.services.nginx!.ports[0]!.published).toBe(13000);
  });

  test("nginx mounts the config under deploy/nginx", () => {
    const conf = svc("nginx").volumes.find((v) => v.target === "/etc/nginx/nginx.conf");
    expect(conf?.readOnly).toBe(true);
    expect(conf!.source).toBe(join(repoRoot, "deploy", "nginx", "nginx.conf"));
    expect(existsSync(conf!.source)).toBe(true);
  });

  test("a dependency on a service that does not exist is refused by the same check", () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-compose-"));
    const bad = join(dir, "compose.yml");
    const text = readFileSync(composeFile, "utf8").replace(
      /^services:\n/m,
      "services:\n  broken:\n    image: busybox\n    depends_on: { nowhere: { condition: service_healthy } }\n",
    );
    writeFileSync(bad, text);
    try {
      const p = Bun.spawnSync([...compose!, "-f", bad, "config"], { cwd: dir });
      expect(p.exitCode).not.toBe(0);
      expect(p.stderr.toString()).toContain("nowhere");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
