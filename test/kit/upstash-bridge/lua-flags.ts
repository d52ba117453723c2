/**
 * @upstash/ratelimit starts its scripts with `#!lua flags=allow-key-locking`, a flag only
 * Upstash knows; Redis 7 refuses the script. The bridge drops that flag before Redis sees
 * the script, and because the client calls EVALSHA with the SHA-1 of the text it sent,
 * it remembers which SHA-1 Redis stored for it and translates EVALSHA, SCRIPT EXISTS and
 * the SCRIPT LOAD reply. After a restart or SCRIPT FLUSH the translated EVALSHA gets
 * NOSCRIPT from Redis, so the client falls back to EVAL as it would against Upstash.
 */
import { stripUpstashFlags } from "../../../lua/flags.ts";
import type { Command } from "./commands.ts";

export { stripUpstashFlags };

export interface ScriptFlags {
  /** Rewrites a checked command in place; returns the reply to send instead of Redis's, if any. */
  rewrite(cmd: Command): string | undefined;
}

export function createScriptFlags(): ScriptFlags {
  /** SHA-1 of the script as the client sent it -> SHA-1 of the script Redis runs */
  const storedSha = new Map<string, string>();
  /** flagged scripts seen so far, by the text the client sent */
  const known = new Map<string, { script: string; sha: string }>();

  function redisScript(text: unknown): { script: string; sha: string } | undefined {
    if (typeof text !== "string" || !text.startsWith("#!lua")) return undefined;
    let k = known.get(text);
    if (!k) {
      const script = stripUpstashFlags(text);
      if (script === undefined) return undefined;
      k = { script, sha: sha1(text) };
      known.set(text, k);
      storedSha.set(k.sha, sha1(script));
    }
    return k;
  }

  const translate = (sha: unknown) => (typeof sha === "string" ? (storedSha.get(sha.toLowerCase()) ?? sha) : sha);

  return {
    rewrite(cmd) {
      const name = cmd[0];
      if (name === "EVAL" || name === "EVAL_RO") {
        const s = redisScript(cmd[1]);
        if (s) cmd[1] = s.script;
      } else if (name === "EVALSHA" || name === "EVALSHA_RO") {
        cmd[1] = translate(cmd[1]) as string;
      } else if (name === "SCRIPT") {
        const sub = String(cmd[1]).toUpperCase();
        if (sub === "LOAD") {
          const s = redisScript(cmd[2]);
          if (s) {
            cmd[2] = s.script;
            return s.sha;
          }
        } else if (sub === "EXISTS") {
          for (let i = 2; i < cmd.length; i++) cmd[i] = translate(cmd[i]) as string;
        }
      }
      return undefined;
    },
  };
}

function sha1(text: string): string {
  return new Bun.CryptoHasher("sha1").update(text).digest("hex");
}
