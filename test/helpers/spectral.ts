/**
 * Lints an OpenAPI document with Spectral (the pinned @stoplight/spectral-cli) and the
 * repository's `.spectral.yaml` (the `spectral:oas` ruleset as it is). Returns every error
 * and warning as one readable line, so a test can expect none.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dir, "../..");
const cli = join(root, "node_modules/@stoplight/spectral-cli/dist/index.js");
const SEVERITY = ["error", "warning", "info", "hint"];

interface SpectralResult {
  code: string;
  message: string;
  path: string[];
  severity: number;
}

export async function spectralProblems(document: unknown): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "cu-spectral-"));
  try {
    const file = join(dir, "openapi.json");
    writeFileSync(file, JSON.stringify(document, null, 2));
    const run = Bun.spawn(["bun", cli, "lint", "--ruleset", join(root, ".spectral.yaml"), "--format", "json", "--quiet", "--fail-severity", "error", file], {
      cwd: root,
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, NO_COLOR: "1" },
    });
    const [out, err] = await Promise.all([new Response(run.stdout).text(), new Response(run.stderr).text(), run.exited]);
    let results: SpectralResult[];
    try {
      results = JSON.parse(out);
    } catch {
      throw new Error(`spectral did not answer JSON: ${out.slice(0, 500)} ${err.slice(0, 500)}`);
    }
    return results.filter((r) => r.severity <= 1).map((r) => `${SEVERITY[r.severity]} ${r.code} at ${r.path.join(".")}: ${r.message}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
