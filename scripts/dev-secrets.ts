/**
 * `bun scripts/dev-secrets.ts`: generates the local development secrets now, into
 * `.env.local` and `edge/.dev.vars` (git-ignored); everything that needs them does it on
 * first run anyway (test/kit/dev-secrets.ts).
 */
import { devVarsFile, ensureDevSecrets, envFile } from "../test/kit/dev-secrets.ts";

await ensureDevSecrets();
console.log(`local secrets ready in ${envFile} and ${devVarsFile}`);
