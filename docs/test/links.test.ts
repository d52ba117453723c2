/**
 * The docs point at what exists: every relative link in the top-level pages and docs/ names a
 * file that is there (and, with `#anchor`, one of its headings), every `X.md, "Section"`
 * mention names a heading or a bold paragraph lead of that page, and ARCHITECTURE.md stays
 * short enough to read (the reference lives in docs/reference/, generated).
 */
import { expect, test } from "bun:test";
import { existsSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");
const PAGES = ["README.md", "DEVELOPERS.md", "bench/README.md", "deploy/README.md", ...["ARCHITECTURE", "FEATURES", "HTTP", "SCALING", "RELIABILITY", "DEPLOY"].map((n) => `docs/${n}.md`)];

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to dashes. */
const slug = (heading: string) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, "").replace(/ /g, "-");

async function sections(file: string): Promise<{ anchors: Set<string>; titles: string[] }> {
  const text = await Bun.file(file).text();
  const headings = [...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => m[1]!);
  const leads = [...text.matchAll(/^\*\*([^*]+)\*\*/gm)].map((m) => m[1]!);
  return { anchors: new Set(headings.map(slug)), titles: [...headings, ...leads] };
}

/** A page named in prose (`SCALING.md`, `bench/README.md`): next to the mentioning page, else from the root, else in docs/. */
function locate(from: string, name: string): string | null {
  for (const base of [dirname(from), ROOT, join(ROOT, "docs")]) if (existsSync(join(base, name))) return join(base, name);
  return null;
}

test("every relative link in the docs names a file that exists, and a heading of it when it has an anchor", async () => {
  const broken: string[] = [];
  for (const page of PAGES) {
    const file = join(ROOT, page);
    const text = await Bun.file(file).text();
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue;
      const [path, anchor] = target!.split("#");
      const linked = path ? join(dirname(file), path) : file;
      if (!existsSync(linked)) {
        broken.push(`${page}: ${target} (no such file)`);
        continue;
      }
      if (anchor && !statSync(linked).isDirectory() && !(await sections(linked)).anchors.has(anchor)) broken.push(`${page}: ${target} (no such heading)`);
    }
  }
  expect(broken).toEqual([]);
});

test('every `Page.md, "Section"` mention in the docs names a section of that page', async () => {
  const broken: string[] = [];
  for (const page of PAGES) {
    const file = join(ROOT, page);
    const text = await Bun.file(file).text();
    for (const [, name, section] of text.matchAll(/([A-Za-z][\w/.-]*\.md)[,)]? \(?"([^"]+)"/g)) {
      const target = locate(file, name!);
      if (!target) {
        broken.push(`${page}: ${name} (no such page)`);
        continue;
      }
      const { titles } = await sections(target);
      if (!titles.some((t) => t.includes(section!))) broken.push(`${page}: ${relative(ROOT, target)}, "${section}"`);
    }
  }
  expect(broken).toEqual([]);
});

test("docs/ARCHITECTURE.md is about the flows and decisions: at most 350 lines", async () => {
  const lines = (await Bun.file(join(ROOT, "docs", "ARCHITECTURE.md")).text()).trimEnd().split("\n").length;
  expect(lines).toBeLessThanOrEqual(350);
});
