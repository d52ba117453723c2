/**
 * deploy/standins/: the scripts pass `sh -n`/`bash -n` and shellcheck, and every stand-in
 * named in images.env has a recipe, so build.sh, the Dockerfile's build arguments and the
 * compose file's CU_*_IMAGE variables agree on the same names. (Building and running them
 * is what image.test.ts and stack.test.ts do.)
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./helpers/compose.ts";
import { globalArgs } from "./helpers/dockerfile.ts";
import { standinBuildArgs, standinNames } from "./helpers/podman.ts";

const dir = join(repoRoot, "deploy", "standins");
const shellcheck = Bun.which("shellcheck");
const scripts = ["build.sh", "mariadb-entrypoint.sh", "redis-entrypoint.sh"].map((f) => join(dir, f));

describe("deploy/standins", () => {
  test("the scripts parse", () => {
    for (const f of scripts) expect(Bun.spawnSync([f.endsWith("build.sh") ? "bash" : "sh", "-n", f]).exitCode).toBe(0);
  });

  test.skipIf(!shellcheck)("shellcheck finds nothing in them", () => {
    const p = Bun.spawnSync([shellcheck!, "--severity=warning", ...scripts]);
    expect(p.stdout.toString()).toBe("");
    expect(p.exitCode).toBe(0);
  });

  test("every stand-in has a recipe that build.sh builds, named for what it is", () => {
    const names = standinNames();
    const build = readFileSync(join(dir, "build.sh"), "utf8");
    for (const [variable, file] of [["CU_BUN_IMAGE", "bun"], ["CU_NODE_IMAGE", "node"], ["CU_REDIS_IMAGE", "redis"], ["CU_MYSQL_IMAGE", "mariadb"], ["CU_NGINX_IMAGE", "nginx"]] as const) {
      expect(existsSync(join(dir, `${file}.Containerfile`))).toBe(true);
      expect(build).toContain(`build "$${variable}" ${file}.Containerfile`);
      expect(names[variable]).toStartWith(`localhost/concert-u-standin/${file}:`);
    }
    // the Dockerfile's base-image arguments, each given a stand-in
    expect(Object.keys(standinBuildArgs(names)).sort()).toEqual(Object.keys(globalArgs(join(repoRoot, "deploy", "Dockerfile"))).sort());
  });

  test("the compose file takes its mysql, redis and nginx images from the variables images.env sets", () => {
    const text = readFileSync(join(repoRoot, "deploy", "compose.yml"), "utf8");
    for (const v of ["CU_MYSQL_IMAGE", "CU_REDIS_IMAGE", "CU_NGINX_IMAGE"]) expect(text).toContain(`\${${v}:-`);
  });
});
