/**
 * The origin's layers (origin/src/LAYERS.md), checked against its imports: every file of
 * origin/src is read with the TypeScript parser (static imports, re-exports, `import()`),
 * and the test fails on an import that runs from a lower layer to a higher one, on a file
 * no layer holds, on a feature that reaches into another feature's own files, and on
 * `deps.ts` importing more than types. A new folder is placed here and in LAYERS.md.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

const SRC = resolve(import.meta.dir, "../src");
const REPO = resolve(SRC, "../..");

/** top to bottom; a path belongs to the first layer with a prefix it starts with */
const LAYERS: Array<{ name: string; paths: string[] }> = [
  { name: "entry", paths: ["main.ts", "db/seed.ts"] },
  { name: "root", paths: ["app.ts", "compose.ts"] },
  { name: "features", paths: ["modules/", "deps.ts"] },
  { name: "plugins", paths: ["plugins/"] },
  { name: "admission", paths: ["admission/"] },
  { name: "stores", paths: ["db/", "redis/", "payments/", "auth/"] },
  { name: "base", paths: ["lib/", "config.ts", "errors.ts"] },
];

/** what origin/src may import from the rest of the repository (shared with the edge, below every layer) */
const SHARED_OUTSIDE = ["common/", "lua/"];

/** files a feature lends to the others, beyond its model.ts and service.ts (and modules/shared/) */
const LENT: Record<string, string[]> = {
  events: ["catalog.ts", "sync.ts"],
  orders: ["repository.ts"],
  holds: ["session-holds.ts"],
  // the mail's shape and its clock in the fan's time zone: the waiting list's offer mail goes out on the turn email's mailer
  "turn-mail": ["message.ts"],
};

interface Arrow {
  from: string;
  to: string;
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** Every relative import of one file, as paths from the repository root. */
function importsOf(file: string): Arrow[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const arrows: Arrow[] = [];
  const add = (specifier: ts.Node | undefined, typeOnly: boolean) => {
    if (!specifier || !ts.isStringLiteralLike(specifier) || !specifier.text.startsWith(".")) return;
    arrows.push({ from: relative(REPO, file), to: relative(REPO, resolve(dirname(file), specifier.text)), typeOnly });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) add(node.moduleSpecifier, node.importClause?.isTypeOnly ?? false);
    else if (ts.isExportDeclaration(node)) add(node.moduleSpecifier, node.isTypeOnly);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0], false);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return arrows;
}

const inSrc = (path: string) => (path.startsWith("origin/src/") ? path.slice("origin/src/".length) : null);

function layerOf(path: string): number {
  return LAYERS.findIndex((layer) => layer.paths.some((prefix) => path === prefix || (prefix.endsWith("/") && path.startsWith(prefix))));
}

/** modules/<feature>/<file> -> [feature, file] */
function featureFile(path: string): [string, string] | null {
  const match = /^modules\/([^/]+)\/(.+)$/.exec(path);
  return match ? [match[1]!, match[2]!] : null;
}

function reachesIn(from: string, to: string): boolean {
  const source = featureFile(from);
  const target = featureFile(to);
  if (!source || !target || source[0] === target[0] || target[0] === "shared") return false;
  const [feature, file] = target;
  return !(file === "model.ts" || file === "service.ts" || (LENT[feature] ?? []).includes(file));
}

const files = sourceFiles(SRC);
const arrows = files.flatMap(importsOf);
const show = (a: Arrow) => `${a.from} -> ${a.to}`;

describe("the origin's layers", () => {
  test("every source file belongs to a layer", () => {
    const unplaced = files.map((f) => relative(SRC, f)).filter((path) => layerOf(path) < 0);
    expect(files.length).toBeGreaterThan(50);
    expect(unplaced).toEqual([]);
  });

  test("no import runs from a lower layer to a higher one", () => {
    const across = arrows.filter((a) => inSrc(a.to) !== null && layerOf(inSrc(a.to)!) >= 0);
    const upward = across.filter((a) => layerOf(inSrc(a.to)!) < layerOf(inSrc(a.from)!));
    const downward = across.filter((a) => layerOf(inSrc(a.to)!) > layerOf(inSrc(a.from)!));
    expect(upward.map(show)).toEqual([]);
    // the check saw the arrows that do run down (the composition root's into every layer it wires, say)
    expect(downward.length).toBeGreaterThan(files.length);
  });

  test("origin/src imports nothing else of the repository than the code it shares with the edge", () => {
    const outside = arrows.filter((a) => inSrc(a.to) === null && !SHARED_OUTSIDE.some((prefix) => a.to.startsWith(prefix)));
    expect(outside.map(show)).toEqual([]);
  });

  test("a feature takes from another only its schemas, its service and the files it lends", () => {
    const between = arrows.filter((a) => {
      const [from, to] = [featureFile(inSrc(a.from)!), featureFile(inSrc(a.to) ?? "")];
      return from && to && from[0] !== to[0];
    });
    const reaching = between.filter((a) => reachesIn(inSrc(a.from)!, inSrc(a.to)!));
    // the check sees the arrows between features (purchases read the event catalogue, say)
    expect(between.length).toBeGreaterThan(0);
    expect(reaching.map(show)).toEqual([]);
  });

  test("deps.ts, the features' contract, imports types only", () => {
    const values = arrows.filter((a) => a.from === "origin/src/deps.ts" && !a.typeOnly);
    expect(values.map(show)).toEqual([]);
  });
});
