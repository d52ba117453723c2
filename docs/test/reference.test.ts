/**
 * The reference pages in docs/reference/ are what the code generates (run `bun docs/generate.ts`
 * after changing a variable's declaration or a key's comment), and every environment variable
 * the code reads directly is declared, so the configuration reference lists it.
 */
import { expect, test } from "bun:test";
import { Glob } from "bun";
import { join } from "node:path";
import { referencePages } from "../generate.ts";
import { sources } from "../generate/configuration.ts";

const ROOT = join(import.meta.dir, "..", "..");

test("each page in docs/reference/ is what `bun docs/generate.ts` writes", async () => {
  for (const page of await referencePages()) {
    const committed = await Bun.file(page.path).text().catch(() => null);
    expect({ page: page.path.slice(ROOT.length + 1), text: committed }).toEqual({ page: page.path.slice(ROOT.length + 1), text: page.text });
  }
});

test("every environment variable the origin, the edge and the dev tools read is declared", async () => {
  const declared = new Set(sources.flatMap((s) => Object.keys(s.variables)));
  const read = new Map<string, string>();
  for (const folder of ["origin/src", "edge/src", "common", "scripts"]) {
    for await (const file of new Glob("**/*.ts").scan(join(ROOT, folder))) {
      if (file.includes("test/")) continue;
      const text = await Bun.file(join(ROOT, folder, file)).text();
      for (const m of text.matchAll(/\benv(?:\.|\[["'])([A-Z][A-Z0-9_]{2,})\b/g)) read.set(m[1]!, `${folder}/${file}`);
    }
  }
  expect(read.size).toBeGreaterThan(10);
  const undeclared = [...read].filter(([name]) => !declared.has(name)).map(([name, file]) => `${name} (${file})`);
  expect(undeclared).toEqual([]);
});
