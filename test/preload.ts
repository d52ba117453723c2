// Runs once before the test suite: local secrets exist and are in process.env.
import { setDefaultTimeout } from "bun:test";
import { buildBrowserFiles } from "../scripts/build-browser.ts";
import { ensureDevSecrets } from "./kit/dev-secrets.ts";

const secrets = await ensureDevSecrets();
for (const [k, v] of Object.entries(secrets)) process.env[k] ??= v;

// The pages' browser files, which the edge Worker imports as text, are built from
// edge/browser (wrangler builds them too, before each bundle).
await buildBrowserFiles();

// Tests wait for events, and on a loaded machine those take longer than Bun's 5 s default.
// Bun 1.4 ignores `timeout` in bunfig.toml; `bun run test` passes `--timeout 30000`, and this
// gives the same to the first file of a bare `bun test <file>` (setDefaultTimeout is per file).
setDefaultTimeout(30_000);

// The database schema is current before any test runs (drizzle migrator; idempotent).
// A database that cannot be reached is reported here once; the tests that need it fail.
import { migrateDatabase } from "../origin/src/db/migrate.ts";

try {
  await migrateDatabase(process.env.DATABASE_URL ?? "mysql://root@127.0.0.1:3306/test");
} catch (error) {
  console.error(`test preload: could not apply migrations: ${error instanceof Error ? error.message : String(error)}`);
}
