/**
 * Generates local development secrets on first run, into git-ignored files:
 * `.env.local` (read by Bun for origin, scripts and tests) and `edge/.dev.vars`
 * (read by wrangler dev). Never used in production: there, secrets come from the
 * environment and `wrangler secret put`.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { exportJWK, generateKeyPair } from "jose";
import { ACTIVE_ALG, publicJwk, type SigningJwk } from "../../common/tokens.ts";

const root = join(import.meta.dir, "..", "..");
/** where the secrets are kept: for Bun (origin, scripts, tests) and for wrangler dev (the edge) */
export const envFile = join(root, ".env.local");
export const devVarsFile = join(root, "edge", ".dev.vars");

function randomSecret(bytes = 32): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("base64url");
}

export async function generateSecrets(): Promise<Record<string, string>> {
  const { privateKey } = await generateKeyPair(ACTIVE_ALG, { extractable: true });
  const signing: SigningJwk = { ...(await exportJWK(privateKey)), kid: `dev-${Date.now().toString(36)}`, alg: ACTIVE_ALG };
  return {
    ADMIN_KEY: randomSecret(),
    TICKET_SECRET: randomSecret(),
    ORIGIN_AUTH_SECRET: randomSecret(),
    IDENTITY_SECRET: randomSecret(),
    UPSTASH_REDIS_REST_TOKEN: randomSecret(),
    ACTIVE_SIGNING_KEYS: JSON.stringify([signing]),
    ACTIVE_JWKS: JSON.stringify({ keys: [publicJwk(signing)] }),
  };
}

function parseEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^([A-Z0-9_]+)='(.*)'$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

const serialize = (vars: Record<string, string>) =>
  Object.entries(vars).map(([k, v]) => `${k}='${v}'`).join("\n") + "\n";

/** `text` into `file` unless it holds it already; written whole (a temporary file renamed), so a reader never sees half of it. */
function writeWhole(file: string, text: string): void {
  if (existsSync(file) && readFileSync(file, "utf8") === text) return;
  const part = `${file}.${process.pid}.part`;
  writeFileSync(part, text, { mode: 0o600 });
  renameSync(part, file);
}

/**
 * Returns the local secrets, creating them (and the files) if missing. Processes starting at
 * once (parallel test workers) agree on one set: the first to create `.env.local` wins, the
 * others read what it wrote.
 */
export async function ensureDevSecrets(): Promise<Record<string, string>> {
  let secrets = existsSync(envFile) ? parseEnv(readFileSync(envFile, "utf8")) : {};
  const fresh = await generateSecrets();
  if (Object.keys(secrets).length === 0) {
    try {
      writeFileSync(envFile, serialize(fresh), { mode: 0o600, flag: "wx" });
      secrets = fresh;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      // another process created it a moment ago: wait until it holds every secret
      for (let i = 0; i < 100 && Object.keys(fresh).some((k) => !secrets[k]); i++) {
        await Bun.sleep(20);
        secrets = parseEnv(readFileSync(envFile, "utf8"));
      }
    }
  }
  const missing = Object.keys(fresh).filter((k) => !secrets[k]);
  if (missing.length > 0) {
    secrets = { ...fresh, ...secrets };
    writeWhole(envFile, serialize(secrets));
  }
  const edgeVars = ["TICKET_SECRET", "ACTIVE_SIGNING_KEYS", "ORIGIN_AUTH_SECRET", "IDENTITY_SECRET", "UPSTASH_REDIS_REST_TOKEN"];
  writeWhole(devVarsFile, serialize(Object.fromEntries(edgeVars.map((k) => [k, secrets[k]!]))));
  return secrets;
}
