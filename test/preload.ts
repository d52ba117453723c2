// Runs once before the test suite: local secrets exist and are in process.env.
import { ensureDevSecrets } from "../scripts/dev-secrets.ts";

const secrets = await ensureDevSecrets();
for (const [k, v] of Object.entries(secrets)) process.env[k] ??= v;
