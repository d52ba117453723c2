/**
 * Script flags only Upstash knows. The edge's queue scripts start with
 * `#!lua flags=allow-key-locking`: on Upstash a script with that flag locks only the keys
 * in KEYS, so scripts of other events (and other shards' batches) run beside it; without
 * it a script takes a database-wide lock. Redis 7 refuses the flag, so whatever runs a
 * flagged script on plain Redis (the dev Upstash bridge, the origin's tests and benches)
 * drops it first.
 */
const UPSTASH_ONLY_FLAGS = new Set(["allow-key-locking"]);

/** The script without Upstash-only shebang flags, or undefined when it has none. */
export function stripUpstashFlags(script: string): string | undefined {
  const eol = script.indexOf("\n");
  const shebang = eol === -1 ? script : script.slice(0, eol);
  const m = /(\s)flags=(\S*)/.exec(shebang);
  if (!m) return undefined;
  const flags = m[2]!.split(",");
  const kept = flags.filter((f) => !UPSTASH_ONLY_FLAGS.has(f));
  if (kept.length === flags.length) return undefined;
  const line = shebang.replace(m[0], kept.length ? `${m[1]}flags=${kept.join(",")}` : "").trimEnd();
  return line + (eol === -1 ? "" : script.slice(eol));
}

/** The script as plain Redis accepts it: Upstash-only flags dropped, everything else as written. */
export function forPlainRedis(script: string): string {
  return stripUpstashFlags(script) ?? script;
}
