/**
 * deploy/ec2: the user-data script and the scripts it writes are valid shell (bash -n,
 * and shellcheck where installed), and the ALB target group agrees with the image and the
 * instance: same port, health check on /ready, a timeout AWS accepts, and a drain that
 * fits in the container's stop timeout.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "./helpers/compose.ts";
import { last, parseDockerfile } from "./helpers/dockerfile.ts";

const dir = join(repoRoot, "deploy", "ec2");
const userData = readFileSync(join(dir, "user-data.sh"), "utf8");
const shellcheck = Bun.which("shellcheck");
if (!shellcheck) console.warn("deploy/ec2: shellcheck not found (Debian: apt-get install shellcheck); only bash -n runs");

/** Scripts user-data writes with `cat > /path.sh <<'EOF'` (quoted: written verbatim). */
function embeddedScripts(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of userData.matchAll(/cat > (\S+\.sh) <<'EOF'\n([\s\S]*?)\nEOF\n/g)) out[m[1]!] = m[2]! + "\n";
  return out;
}

/** `NAME="${NAME:-default}"` settings at the top of user-data. */
function setting(name: string): string {
  const m = new RegExp(`^${name}="\\$\\{${name}:-([^}]*)\\}"`, "m").exec(userData);
  if (!m) throw new Error(`user-data.sh has no ${name} setting`);
  return m[1]!;
}

describe("deploy/ec2", () => {
  const scripts = embeddedScripts();

  test("user-data writes the prepare and migrate scripts", () => {
    expect(Object.keys(scripts).sort()).toEqual(["/opt/concert-u/migrate.sh", "/opt/concert-u/prepare.sh"]);
    expect(scripts["/opt/concert-u/migrate.sh"]).toContain("bun origin/src/db/migrate.ts");
  });

  test("user-data and the scripts it writes parse as bash", () => {
    const tmp = mkdtempSync(join(tmpdir(), "cu-ec2-"));
    try {
      const files = [join(dir, "user-data.sh")];
      for (const [path, text] of Object.entries(scripts)) {
        const file = join(tmp, path.split("/").at(-1)!);
        writeFileSync(file, text);
        files.push(file);
      }
      for (const f of files) {
        const p = Bun.spawnSync(["bash", "-n", f]);
        expect(`${f}: ${p.stderr.toString()}`).toBe(`${f}: `);
      }
      const broken = join(tmp, "broken.sh");
      writeFileSync(broken, "#!/bin/bash\nif true; then\n");
      expect(Bun.spawnSync(["bash", "-n", broken]).exitCode).not.toBe(0);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  test.skipIf(!shellcheck)("shellcheck finds nothing in them", () => {
    const tmp = mkdtempSync(join(tmpdir(), "cu-ec2-"));
    try {
      const files = [join(dir, "user-data.sh"), join(repoRoot, "deploy", "compose", "edge-dev.sh")];
      for (const [path, text] of Object.entries(scripts)) {
        const file = join(tmp, path.split("/").at(-1)!);
        writeFileSync(file, text);
        files.push(file);
      }
      const p = Bun.spawnSync([shellcheck!, "--severity=warning", ...files]);
      expect(p.stdout.toString()).toBe("");
      expect(p.exitCode).toBe(0);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  test("the container restarts on failure and drains on SIGTERM", () => {
    expect(userData).toMatch(/^Restart=always$/m);
    expect(userData).toMatch(/^StartLimitIntervalSec=0$/m);
    expect(userData).toContain("--init");
    expect(userData).toContain("--env-file /etc/concert-u/origin.env");
    expect(userData).toContain("--stop-signal SIGTERM --stop-timeout ${STOP_TIMEOUT}");
    expect(userData).toContain("systemctl enable --now concert-u-origin.service");
  });

  test("the target group checks /ready on the port the image and the instance use", () => {
    const tg = JSON.parse(readFileSync(join(dir, "target-group.json"), "utf8"));
    const origin = parseDockerfile(join(repoRoot, "deploy", "Dockerfile")).at(-1)!;
    expect(tg.HealthCheckPath).toBe("/ready");
    expect(tg.Port).toBe(Number(last(origin, "EXPOSE")!.args));
    expect(tg.Port).toBe(Number(setting("ORIGIN_PORT")));
    expect(tg.HealthCheckPort).toBe("traffic-port");
    // AWS refuses a health check whose timeout is not below its interval
    expect(tg.HealthCheckTimeoutSeconds).toBeLessThan(tg.HealthCheckIntervalSeconds);
    expect(tg.Matcher.HttpCode).toBe("200");
  });

  test("the ALB's drain fits within the container's stop timeout", () => {
    const attrs = JSON.parse(readFileSync(join(dir, "target-group-attributes.json"), "utf8")).Attributes as Array<{ Key: string; Value: string }>;
    const drain = Number(attrs.find((a) => a.Key === "deregistration_delay.timeout_seconds")!.Value);
    expect(drain).toBeGreaterThan(0);
    expect(drain).toBeLessThanOrEqual(Number(setting("STOP_TIMEOUT")));
    expect(attrs.find((a) => a.Key === "stickiness.enabled")!.Value).toBe("false");
  });
});
