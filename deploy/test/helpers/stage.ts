/**
 * Lays out the file system of one deploy/Dockerfile stage in a directory, without a Docker
 * engine: COPY from the build context (filtered by .dockerignore), COPY --from another
 * stage (laid out the same way), and the stage's RUN commands run in it. The stage's
 * WORKDIR (/app) is the directory. Enough to run what the image would run, from exactly
 * the files the image would hold.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { repoRoot } from "./compose.ts";
import { dockerignore } from "./dockerignore.ts";
import { all, parseCopy, runParts, type Stage } from "./dockerfile.ts";

const WORKDIR = "/app";
const inContext = dockerignore(join(repoRoot, ".dockerignore"));

function copyFromContext(src: string, dest: string) {
  const from = join(repoRoot, src);
  if (!existsSync(from)) throw new Error(`COPY ${src}: not in the build context`);
  if (!inContext(src)) throw new Error(`COPY ${src}: excluded by .dockerignore`);
  if (!statSync(from).isDirectory()) {
    mkdirSync(dirname(dest), { recursive: true });
    cpSync(from, dest);
    return;
  }
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const abs = join(dir, entry.name);
      const rel = relative(repoRoot, abs);
      if (!inContext(rel)) continue;
      if (entry.isDirectory()) walk(abs);
      else {
        const out = join(dest, relative(from, abs));
        mkdirSync(dirname(out), { recursive: true });
        cpSync(abs, out);
      }
    }
  };
  walk(from);
}

function inStage(stageDir: string, path: string): string {
  if (!path.startsWith(`${WORKDIR}/`)) throw new Error(`only paths under ${WORKDIR} are laid out, got ${path}`);
  return join(stageDir, path.slice(WORKDIR.length + 1));
}

export async function layOutStage(stages: Stage[], name: string, root: string, log: string[] = []): Promise<string> {
  const stage = stages.find((s) => s.name === name);
  if (!stage) throw new Error(`no stage ${name}`);
  const dir = join(root, name);
  if (existsSync(dir)) return dir;
  mkdirSync(dir, { recursive: true });
  const workdir = all(stage, "WORKDIR").at(-1)?.args;
  if (workdir !== WORKDIR) throw new Error(`stage ${name}: WORKDIR must be ${WORKDIR}`);
  for (const ins of stage.instructions) {
    if (ins.keyword === "COPY") {
      const copy = parseCopy(ins);
      for (const src of copy.sources) {
        const destIsDir = copy.dest.endsWith("/") || copy.dest === "." || copy.sources.length > 1;
        const dest = join(dir, copy.dest, destIsDir ? src.split("/").at(-1)! : "");
        if (copy.from) {
          const other = await layOutStage(stages, copy.from, root, log);
          cpSync(inStage(other, src), dest, { recursive: true, verbatimSymlinks: true });
        } else copyFromContext(src, dest);
      }
    } else if (ins.keyword === "RUN") {
      // mounts (the optional CA secret) are absent here: /run/secrets/ca does not exist
      const { command } = runParts(ins);
      const proc = Bun.spawn(["sh", "-c", command], { cwd: dir, stdout: "pipe", stderr: "pipe" });
      const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
      log.push(`${name}: RUN ${command}\n${out}${err}`);
      if (code !== 0) throw new Error(`stage ${name}: RUN ${command} failed (${code}):\n${out}${err}`);
    }
  }
  return dir;
}
