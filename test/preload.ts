// Runs before each test file (once per file, also under `bun test --parallel`, whose workers
// run several files each): local secrets exist and are in process.env, the pages' browser
// files are built, this worker has its own Redis and MySQL databases (./kit/worker-services.ts)
// and their schema is current. The work is done once per process; each file still gets the
// default timeout.
import { setDefaultTimeout } from "bun:test";
import { migrateDatabase } from "../origin/src/db/migrate.ts";
import { buildBrowserFiles } from "../scripts/build-browser.ts";
import { ensureDevSecrets } from "./kit/dev-secrets.ts";
import { DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL, testWorker, workerDatabaseUrl, workerRedisUrl } from "./kit/worker-services.ts";

// Tests wait for events, and on a loaded machine those take longer than Bun's 5 s default.
// Bun 1.4 ignores `timeout` in bunfig.toml; `bun run test` passes `--timeout 30000`, and this
// gives the same to a bare `bun test <file>` (setDefaultTimeout is per file).
setDefaultTimeout(30_000);

if (process.env.CU_TEST_PREPARED !== String(process.pid)) {
  const secrets = await ensureDevSecrets();
  for (const [k, v] of Object.entries(secrets)) process.env[k] ??= v;

  // files running at once in other workers never see this worker's keys or rows; the
  // processes a test starts (origin, bridge, workerd) inherit these
  const worker = testWorker();
  process.env.REDIS_URL = workerRedisUrl(process.env.REDIS_URL ?? DEFAULT_REDIS_URL, worker);
  process.env.DATABASE_URL = workerDatabaseUrl(process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL, worker);
  // on a machine busy enough to starve a test process for seconds, production's 3 s command
  // timer can expire with Redis up (a loaded CI run failed the fuzz test so): the origins
  // under test give Redis 15 s (no test relies on a command timing out)
  process.env.REDIS_COMMAND_TIMEOUT_MS ??= "15000";

  // The pages' browser files, which the edge Worker imports as text, are built from
  // edge/browser (wrangler builds them too, before each bundle); written atomically, so
  // workers building at once never read half a file.
  await buildBrowserFiles();

  // The database schema is current before any test runs (drizzle migrator; idempotent; the
  // database is created when missing). One that cannot be reached is reported here; the
  // tests that need it fail.
  try {
    await migrateDatabase(process.env.DATABASE_URL);
  } catch (error) {
    console.error(`test preload: could not apply migrations: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.env.CU_TEST_PREPARED = String(process.pid);
}
