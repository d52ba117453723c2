/**
 * DEV ONLY. `bun deploy/compose/secrets.ts <dir>`: generates the compose stack's secrets
 * once into <dir> (the `secrets` volume), one env file per service, each holding only what
 * that service needs. A later run keeps the existing files, so restarts keep sessions and
 * tokens valid. Production secrets never come from here (deploy/ec2/README.md).
 */
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateSecrets } from "../../test/kit/dev-secrets.ts";

/** Which secrets each service's env file holds. */
export const SECRET_FILES = {
  "origin.env": ["ADMIN_KEY", "ACTIVE_JWKS", "ORIGIN_AUTH_SECRET"],
  "edge.env": ["TICKET_SECRET", "ACTIVE_SIGNING_KEYS", "ORIGIN_AUTH_SECRET", "UPSTASH_REDIS_REST_TOKEN"],
  "bridge.env": ["UPSTASH_REDIS_REST_TOKEN"],
  /** everything, for running scripts (token:mint, bench) against the stack */
  "all.env": ["ADMIN_KEY", "ACTIVE_JWKS", "ACTIVE_SIGNING_KEYS", "TICKET_SECRET", "ORIGIN_AUTH_SECRET", "UPSTASH_REDIS_REST_TOKEN"],
} as const;

/** uid/gid of the `bun` user in oven/bun images and `node` in node images */
const APP_UID = 1000;

// Single quotes: Bun's --env-file and wrangler's dotenv both read the value literally.
const line = (key: string, value: string) => {
  if (value.includes("'") || value.includes("\n")) throw new Error(`${key} cannot be written to an env file`);
  return `${key}='${value}'`;
};

export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split("\n")) {
    const m = /^([A-Z0-9_]+)='(.*)'$/.exec(raw.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

export async function writeComposeSecrets(dir: string): Promise<{ created: boolean }> {
  mkdirSync(dir, { recursive: true });
  const all = join(dir, "all.env");
  const existing = existsSync(all) ? parseEnvFile(readFileSync(all, "utf8")) : {};
  const complete = SECRET_FILES["all.env"].every((k) => existing[k]);
  const secrets = complete ? existing : { ...(await generateSecrets()), ...existing };
  const asRoot = process.getuid?.() === 0;
  for (const [file, keys] of Object.entries(SECRET_FILES)) {
    const target = join(dir, file);
    const text = keys.map((k) => line(k, secrets[k]!)).join("\n") + "\n";
    if (existsSync(target) && readFileSync(target, "utf8") === text) continue;
    // write-then-rename: a reader never sees half a file
    const tmp = `${target}.tmp`;
    writeFileSync(tmp, text, { mode: 0o600 });
    if (asRoot) chownSync(tmp, APP_UID, APP_UID);
    renameSync(tmp, target);
  }
  chmodSync(dir, 0o700);
  if (asRoot) chownSync(dir, APP_UID, APP_UID);
  return { created: !complete };
}

if (import.meta.main) {
  const dir = process.argv[2];
  if (!dir) {
    console.error("usage: bun deploy/compose/secrets.ts <dir>");
    process.exit(2);
  }
  const { created } = await writeComposeSecrets(dir);
  console.log(created ? `DEV ONLY secrets generated in ${dir}` : `kept the secrets in ${dir}`);
}
