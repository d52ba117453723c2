/**
 * Every Redis script's header says what its callers pass, and the registries pass just
 * that: the file is `verbNoun-<fixed keys>.lua`, its header lists KEYS[1..N] by the names
 * common/keys.ts gives them (then ARGV and what it returns), and the registry of each
 * script (lua/queue.ts, lua/admission.ts, lua/index.ts) loads that file and passes those
 * keys, in that order. A script that gains a key without its header, name and registry
 * following fails here, not in production.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { eventKeys } from "../common/keys.ts";
import { admissionScripts } from "../lua/admission.ts";
import { withIncludes } from "../lua/includes.ts";
import { seatScripts } from "../lua/index.ts";
import { queueScripts } from "../lua/queue.ts";

const dir = join(import.meta.dir, "..", "lua");
const files = readdirSync(dir).filter((f) => f.endsWith(".lua"));

function header(source: string): string {
  const start = source.indexOf("--[[");
  const end = source.indexOf("]]", start);
  return start < 0 || end < 0 ? "" : source.slice(start, end);
}

/** The fixed keys the header lists, in order (`KEYS[3] queue ...` -> "queue"). */
function headerKeys(source: string): Array<{ index: number; name: string }> {
  return [...header(source).matchAll(/^\s*KEYS\[(\d+)\]\s+(\w+)/gm)].map((m) => ({ index: Number(m[1]), name: m[2]! }));
}

/** The name common/keys.ts gives a key string of event "x". */
const k = eventKeys("x");
const keyNames = new Map(Object.entries(k).flatMap(([name, value]) => (typeof value === "string" ? [[value, name] as const] : [])));

describe("Redis script headers", () => {
  test("every script is verbNoun-<fixed keys>.lua and its header lists KEYS[1..N], ARGV and what it returns", () => {
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const m = /^[a-z][A-Za-z]+-(\d+)\.lua$/.exec(file);
      expect(m, file).not.toBeNull();
      const n = Number(m![1]);
      const source = readFileSync(join(dir, file), "utf8");
      expect(headerKeys(source).map((key) => key.index), file).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      expect(header(source), file).toMatch(/ARGV\[1\]|no ARGV/);
      expect(header(source), file).toContain("Returns");
    }
  });

  test("each registry loads the file named for its key count and passes the keys its header names, in order", () => {
    const registered: Array<{ name: string; source: string; keys?: string[]; count: number }> = [
      ...Object.values(queueScripts).map((s) => ({ name: s.name, source: s.source, keys: s.keys(k), count: s.keys(k).length })),
      ...Object.values(admissionScripts).map((s) => ({ name: s.name, source: s.source, keys: s.keys(k), count: s.numberOfKeys })),
      ...Object.values(seatScripts).map((s) => ({ name: s.name, source: s.source, count: s.numberOfKeys })),
    ];
    for (const script of registered) {
      const file = `${script.name}-${script.count}.lua`;
      expect(files, script.name).toContain(file);
      // the registry's source is the file with its `-- @include` pieces (lua/includes/) pulled in
      expect(script.source, file).toBe(withIncludes(readFileSync(join(dir, file), "utf8")));
      if (script.keys) {
        expect(script.keys.length, file).toBe(script.count);
        expect(script.keys.map((key) => keyNames.get(key) ?? key), file).toEqual(headerKeys(script.source).map((key) => key.name));
      }
    }
  });
});
