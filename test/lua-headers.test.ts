/**
 * Every Redis script's header says what its callers pass and what it answers, and the one
 * registry (lua/registry.ts) passes and expects just that: the file is
 * `verbNoun-<fixed keys>.lua`, its header lists KEYS[1..N] by the names common/keys.ts
 * gives them (then the keys that follow, ARGV and what it returns, with its codes), and
 * the registry's entry loads that file, passes those keys in that order and knows those
 * codes. A script that gains a key or a code without its header, name and registry
 * following fails here, not in production.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { eventKeys } from "../common/keys.ts";
import { QUEUE_STATE_FIELDS, QUEUE_STATUSES } from "../common/queue-state.ts";
import { includeNames, withIncludes } from "../lua/includes.ts";
import { allScripts, redisScripts } from "../lua/registry.ts";

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

/** Where the header says more keys follow the fixed ones (`KEYS[6..]`, `KEYS[9 ..]`), if it does. */
function headerMoreKeys(source: string): number | null {
  const m = /^\s*KEYS\[(\d+)\s*\.\.\s*\]/m.exec(header(source));
  return m ? Number(m[1]) : null;
}

/** The codes the header's `Returns` part lists (`   -1  NOT_LEADER  ...`), by name. */
function headerCodes(source: string): Record<string, number> {
  const h = header(source);
  const returns = h.slice(h.indexOf("Returns"));
  return Object.fromEntries([...returns.matchAll(/^\s+(-?\d+)\s+([A-Z][A-Z_]+)\b/gm)].map((m) => [m[2]!, Number(m[1])]));
}

/** Sample ids for the seat scripts' keys; every key built from them names itself below. */
const k = eventKeys("x");
const ids = { sessionId: "ID", holdId: "ID", customerId: "ID", idempotencyKey: k.idempotency("ID", "ID"), codeHash: "ID" };
/** The name common/keys.ts gives a key string of event "x" (function keys built from the sample ids). */
const keyNames = new Map(
  Object.entries(k).map(([name, value]) => [typeof value === "string" ? value : (value as (...a: string[]) => string)("ID", "ID"), name] as const),
);
const keysOf = (script: (typeof allScripts)[number]) => (script.keys as (k: unknown, ids: unknown) => string[])(k, ids);
const fileOf = (script: (typeof allScripts)[number]) => `${script.name}-${keysOf(script).length}.lua`;

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

  test("the registry loads the file named for its key count and passes the keys its header names, in order", () => {
    for (const script of allScripts) {
      const file = fileOf(script);
      expect(files, script.name).toContain(file);
      // the registry's source is the file with its `-- @include` pieces (lua/includes/) pulled in
      expect(script.source, file).toBe(withIncludes(readFileSync(join(dir, file), "utf8")));
      expect(keysOf(script).map((key) => keyNames.get(key) ?? key), file).toEqual(headerKeys(script.source).map((key) => key.name));
      // the keys after the fixed ones: the header says so exactly when the registry passes them
      expect(headerMoreKeys(script.source), file).toBe(script.moreKeys ? keysOf(script).length + 1 : null);
    }
  });

  test("every script file is in the registry, once", () => {
    expect(allScripts.map(fileOf).sort()).toEqual([...files].sort());
    expect(Object.entries(redisScripts).every(([name, script]) => script.name === name)).toBe(true);
  });

  test("the registry knows the return codes each header lists, and no others", () => {
    for (const script of allScripts) {
      expect({ ...script.codes }, fileOf(script)).toEqual(headerCodes(script.source));
    }
  });

  test("every shared piece in lua/includes/ is used by a script and says what it is", () => {
    const sources = files.map((f) => readFileSync(join(dir, f), "utf8"));
    for (const name of includeNames) {
      const piece = readFileSync(join(dir, "includes", `${name}.lua`), "utf8");
      expect(piece.startsWith("--[["), name).toBe(true);
      expect(piece, name).toContain(`local function ${name}(`);
      expect(allScripts.some((s) => s.source.includes(`local function ${name}(`)), name).toBe(true);
    }
    // no script still carries a piece's body of its own
    for (const source of sources) expect(source).not.toContain("redis.pcall('INFO'");
    expect(readdirSync(join(dir, "includes")).sort()).toEqual(includeNames.map((n) => `${n}.lua`).sort());
  });

  test("every queue-state field a script reads or writes is one common/queue-state.ts names", () => {
    const statuses = new Set<string>(QUEUE_STATUSES);
    const touched = new Set<string>();
    for (const script of allScripts) {
      const index = keysOf(script).indexOf(k.queueState) + 1;
      if (index === 0) continue;
      const calls = new RegExp(`redis\\.call\\('H\\w+', (?:KEYS\\[${index}\\]|queueState), ([^)]*)\\)`, "g");
      for (const [, args] of script.source.matchAll(calls)) {
        for (const [, field] of args!.matchAll(/'(\w+)'/g)) if (!statuses.has(field!)) touched.add(field!);
      }
    }
    expect(touched.size).toBeGreaterThan(15);
    expect([...touched].filter((field) => !(field in QUEUE_STATE_FIELDS))).toEqual([]);
  });
});
