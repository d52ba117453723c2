/**
 * deploy/compose.yml brought up under podman: Docker Compose (Debian's docker-compose)
 * talks to podman's Docker-compatible API on a socket of the test's own, with the
 * stand-in base images and host ports of the test's choosing. Podman schedules
 * healthchecks with systemd timers; where no systemd runs (CI containers), the stack runs
 * each container's own healthcheck command every two seconds instead, so that Compose's
 * `service_healthy` conditions are met exactly when the checks pass.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../../test/kit/free-port.ts";
import { compose, composeFile, repoRoot } from "./compose.ts";
import { podman, podmanBin, podmanEnv, standinNames, until } from "./podman.ts";

export interface ContainerState {
  name: string;
  service: string;
  state: string;
  health: string;
  exitCode: number;
  restarts: number;
  startedAt: string;
  finishedAt: string;
}

export class Stack {
  readonly ports: { edge: number; origin: number; mysql: number; redis: number };
  private service?: ReturnType<typeof Bun.spawn>;
  private ticking = false;
  private ticker?: Promise<void>;

  private constructor(
    readonly project: string,
    private readonly dir: string,
    ports: Stack["ports"],
    private readonly override: string,
  ) {
    this.ports = ports;
  }

  /** `environment` is added to the named services (an override file next to compose.yml's). */
  static async create(environment: Record<string, Record<string, string>> = {}): Promise<Stack> {
    const dir = mkdtempSync(join(tmpdir(), "cu-stack-"));
    const ports = { edge: await freePort(), origin: await freePort(), mysql: await freePort(), redis: await freePort() };
    const override = join(dir, "override.yml");
    const services = Object.entries(environment).map(([name, env]) => `  ${name}:\n    environment:\n${Object.entries(env).map(([k, v]) => `      ${k}: ${JSON.stringify(v)}\n`).join("")}`);
    writeFileSync(override, `services:\n${services.join("")}`);
    // a developer's deploy/.env (other passwords, ports) must not reach the test's stack
    writeFileSync(join(dir, "empty.env"), "");
    return new Stack(`custack${process.pid}`, dir, ports, override);
  }

  get socket(): string {
    return join(this.dir, "podman.sock");
  }

  get edgeUrl(): string {
    return `http://127.0.0.1:${this.ports.edge}`;
  }

  get nginxUrl(): string {
    return `http://127.0.0.1:${this.ports.origin}`;
  }

  private env(): Record<string, string> {
    const names = standinNames();
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(podmanEnv)) if (!k.startsWith("CU_") && !k.startsWith("COMPOSE_")) env[k] = v;
    return {
      ...env,
      DOCKER_HOST: `unix://${this.socket}`,
      COMPOSE_PROJECT_NAME: this.project,
      CU_EDGE_PORT: String(this.ports.edge),
      CU_ORIGIN_PORT: String(this.ports.origin),
      CU_MYSQL_PORT: String(this.ports.mysql),
      CU_REDIS_PORT: String(this.ports.redis),
      CU_MYSQL_IMAGE: names.CU_MYSQL_IMAGE!,
      CU_REDIS_IMAGE: names.CU_REDIS_IMAGE!,
      CU_NGINX_IMAGE: names.CU_NGINX_IMAGE!,
    };
  }

  /** `docker-compose -f deploy/compose.yml -f <override> ...args` against podman. */
  async compose(args: string[], opts: { allowFail?: boolean } = {}): Promise<{ code: number; out: string }> {
    const proc = Bun.spawn([...compose!, "--env-file", join(this.dir, "empty.env"), "-f", composeFile, "-f", this.override, ...args], { cwd: repoRoot, env: this.env(), stdout: "pipe", stderr: "pipe" });
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    if (code !== 0 && !opts.allowFail) throw new Error(`compose ${args.join(" ")} exited ${code}:\n${err}${out}`);
    return { code, out: out + err };
  }

  /** podman's API service on the stack's own socket, and the healthcheck runner. */
  async startEngine(): Promise<void> {
    this.service = Bun.spawn([podmanBin!, "system", "service", "--time=0", `unix://${this.socket}`], { env: podmanEnv, stdout: "ignore", stderr: "ignore" });
    await until("podman's API socket", async () => (await fetch("http://podman/_ping", { unix: this.socket })).ok, 30_000, 100);
    this.ticking = true;
    this.ticker = (async () => {
      while (this.ticking) {
        const ids = (await podman(["ps", "-q", "--filter", `label=com.docker.compose.project=${this.project}`], { allowFail: true })).out.split("\n").filter(Boolean);
        await Promise.all(ids.map((id) => podman(["healthcheck", "run", id], { allowFail: true })));
        await Bun.sleep(2000);
      }
    })();
  }

  /** Every container of the project, one-offs included. */
  async containers(): Promise<ContainerState[]> {
    const ids = (await podman(["ps", "-a", "-q", "--filter", `label=com.docker.compose.project=${this.project}`])).out.split("\n").filter(Boolean);
    if (ids.length === 0) return [];
    const raw = JSON.parse((await podman(["inspect", ...ids])).out) as any[];
    return raw.map((c) => ({
      name: c.Name,
      service: c.Config.Labels["com.docker.compose.service"],
      state: c.State.Status,
      health: c.State.Health?.Status ?? c.State.Healthcheck?.Status ?? "",
      exitCode: c.State.ExitCode,
      restarts: c.RestartCount ?? 0,
      startedAt: c.State.StartedAt,
      finishedAt: c.State.FinishedAt,
    }));
  }

  async container(service: string): Promise<ContainerState> {
    const found = (await this.containers()).filter((c) => c.service === service);
    if (found.length !== 1) throw new Error(`${found.length} containers for ${service}`);
    return found[0]!;
  }

  /** What the service logged (stdout and stderr). */
  async logs(service: string): Promise<string> {
    const r = await podman(["logs", (await this.container(service)).name], { allowFail: true });
    return r.out + r.err;
  }

  async exec(service: string, cmd: string[]): Promise<string> {
    return (await podman(["exec", (await this.container(service)).name, ...cmd])).out;
  }

  async down(): Promise<void> {
    if (this.service) await this.compose(["down", "-v", "-t", "5"], { allowFail: true });
    this.ticking = false;
    await this.ticker;
    this.service?.kill("SIGTERM");
    await this.service?.exited;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
