/**
 * `bun scripts/build-browser.ts`: the pages' browser files, from edge/browser (TypeScript
 * with the DOM lib, and the one stylesheet) to edge/build/browser as `.txt`, which the
 * Worker imports as text (Bun's loader and wrangler's default rule) and serves under URLs
 * that carry a hash of each file (edge/src/assets.ts). wrangler runs this before every
 * bundle (`[build]` in edge/wrangler.toml: `wrangler dev`, `wrangler deploy`, the dry run
 * test/kit/workerd-edge.ts starts workerd from); the test preload runs it for the tests that
 * call the Worker from Bun. A file is rewritten only when its text changed, by renaming a
 * finished copy over it, so a bundle running at the same time never reads half a file.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const edge = join(root, "edge");
export const BROWSER_SOURCES = join(edge, "browser");
export const BROWSER_BUILD = join(edge, "build", "browser");

/** Each page's script: its own bundle (shared helpers inlined), one classic script each. */
export const PAGE_SCRIPTS = ["waiting-room", "pow-worker", "resume", "access-code", "identity", "waitlist", "sale", "dashboard"] as const;
export const STYLESHEET = "site.css";

function writeIfChanged(file: string, text: string): boolean {
  let old: string | null = null;
  try {
    old = readFileSync(file, "utf8");
  } catch {}
  if (old === text) return false;
  const part = `${file}.${process.pid}.part`;
  writeFileSync(part, text);
  renameSync(part, file);
  return true;
}

/** Builds every file; returns the ones whose text changed. */
export async function buildBrowserFiles(): Promise<string[]> {
  await mkdir(BROWSER_BUILD, { recursive: true });
  // the bundle names each module in a comment, by its path from the working directory:
  // from the repo's root, so the text (and the URL's hash) is the same whoever builds it
  const cwd = process.cwd();
  process.chdir(root);
  const built = await Bun.build({
    entrypoints: PAGE_SCRIPTS.map((name) => join(BROWSER_SOURCES, `${name}.ts`)),
    target: "browser",
    format: "iife",
    // readable in the browser's devtools; the pages' scripts are a few kB each
    minify: false,
  }).finally(() => process.chdir(cwd));
  if (!built.success) throw new AggregateError(built.logs, "the pages' scripts did not build");
  const outputs: Array<[string, string]> = [[STYLESHEET, readFileSync(join(BROWSER_SOURCES, STYLESHEET), "utf8")]];
  for (const output of built.outputs) outputs.push([output.path.split("/").pop()!, await output.text()]);
  const changed: string[] = [];
  for (const [name, text] of outputs) if (writeIfChanged(join(BROWSER_BUILD, `${name}.txt`), text)) changed.push(name);
  return changed;
}

if (import.meta.main) {
  const changed = await buildBrowserFiles();
  console.log(changed.length ? `browser files built: ${changed.join(", ")}` : "browser files up to date");
}
