/**
 * Whether a path of the build context reaches `docker build`, by .dockerignore's rules:
 * patterns are relative to the context root, `**` spans directories, a pattern that
 * matches a parent directory excludes everything under it, and a later `!pattern`
 * brings a path back.
 */
import { readFileSync } from "node:fs";

export function dockerignore(path: string): (file: string) => boolean {
  const rules = readFileSync(path, "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => {
      const negate = l.startsWith("!");
      const pattern = (negate ? l.slice(1) : l).replace(/^\/+/, "").replace(/\/+$/, "");
      return { negate, glob: new Bun.Glob(pattern) };
    });
  return (file: string) => {
    const parts = file.split("/");
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
    let excluded = false;
    for (const { negate, glob } of rules) {
      if (prefixes.some((p) => glob.match(p))) excluded = !negate;
    }
    return !excluded;
  };
}
