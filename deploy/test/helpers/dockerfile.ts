/** A small Dockerfile reader: stages and their instructions, enough to check what an image holds. */
import { readFileSync } from "node:fs";

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  /** the base image, with global ARGs replaced by their defaults (or the build args given) */
  image: string;
  /** the global ARG the FROM line names, when it names one (`FROM ${BUN_IMAGE}`) */
  imageArg?: string;
  name?: string;
  instructions: Instruction[];
}

/** Global ARGs (declared before the first FROM) and their defaults. */
export function globalArgs(path: string): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const text = line.trim();
    if (/^FROM\s/i.test(text)) break;
    const m = /^ARG\s+([A-Za-z_][A-Za-z0-9_]*)(?:=(\S*))?\s*$/i.exec(text);
    if (m) out[m[1]!] = m[2];
  }
  return out;
}

export function parseDockerfile(path: string, buildArgs: Record<string, string> = {}): Stage[] {
  const lines = readFileSync(path, "utf8").split("\n");
  const argValues = { ...globalArgs(path), ...buildArgs };
  const stages: Stage[] = [];
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let text = lines[i]!.trim();
    if (text === "" || text.startsWith("#")) continue;
    while (text.endsWith("\\") && i + 1 < lines.length) {
      text = text.slice(0, -1).trimEnd() + " ";
      const next = lines[++i]!.trim();
      if (!next.startsWith("#")) text += next;
    }
    const m = /^(\S+)\s*(.*)$/s.exec(text)!;
    const keyword = m[1]!.toUpperCase();
    const args = m[2]!.trim();
    if (keyword === "FROM") {
      const from = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!from) throw new Error(`line ${start + 1}: cannot read FROM ${args}`);
      const named = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(from[1]!)?.[1];
      const image = from[1]!.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, name: string) => {
        const value = argValues[name];
        if (value === undefined) throw new Error(`line ${start + 1}: FROM uses ARG ${name}, which has no default`);
        return value;
      });
      stages.push({ image, imageArg: named, name: from[2], instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) {
      if (keyword === "ARG") continue;
      throw new Error(`line ${start + 1}: ${keyword} before any FROM`);
    }
    stage.instructions.push({ keyword, args, line: start + 1 });
  }
  return stages;
}

export const all = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);
export const last = (stage: Stage, keyword: string) => all(stage, keyword).at(-1);

/** A RUN instruction's options (`--mount=...`) and the shell command after them. */
export function runParts(instruction: Instruction): { options: string[]; command: string } {
  let rest = instruction.args;
  const options: string[] = [];
  for (let m = /^(--\S+)\s+/.exec(rest); m; m = /^(--\S+)\s+/.exec(rest)) {
    options.push(m[1]!);
    rest = rest.slice(m[0].length);
  }
  return { options, command: rest };
}

/** Exec form (`["a", "b"]`) as an argv; shell form as `sh -c`. HEALTHCHECK options and `CMD` are stripped. */
export function commandOf(instruction: Instruction): string[] {
  let args = instruction.args;
  if (instruction.keyword === "HEALTHCHECK") args = args.replace(/^(--\S+\s+)*CMD\s+/, "");
  return args.startsWith("[") ? (JSON.parse(args) as string[]) : ["sh", "-c", args];
}

export interface Copy {
  from?: string;
  sources: string[];
  dest: string;
}

export function parseCopy(instruction: Instruction): Copy {
  const words = instruction.args.split(/\s+/);
  let from: string | undefined;
  while (words[0]?.startsWith("--")) {
    const flag = words.shift()!;
    if (flag.startsWith("--from=")) from = flag.slice("--from=".length);
  }
  const dest = words.pop()!;
  return { from, sources: words, dest };
}

/** ENV lines as a map (`ENV A=1 B=2` form). */
export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of all(stage, "ENV")) {
    for (const m of i.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)/g)) env[m[1]!] = m[2]!.replace(/^"|"$/g, "");
  }
  return env;
}
