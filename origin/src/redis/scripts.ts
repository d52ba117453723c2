/**
 * The one way the origin runs a Redis script of the registry (lua/registry.ts) through
 * ioredis: every script is defined once per client with `defineCommand` (EVALSHA, falling
 * back to EVAL on NOSCRIPT, e.g. after a Redis restart or SCRIPT FLUSH), under its own
 * name, and each call passes its key count, since the seat scripts take one key per seat.
 * A client made elsewhere (tests) gets the scripts at its first call.
 */
import type Redis from "ioredis";
import type { EventKeys } from "../../../common/keys.ts";
import { forPlainRedis } from "../../../lua/flags.ts";
import { allScripts, type RedisScript } from "../../../lua/registry.ts";

const defined = new WeakSet<Redis>();

/** Defines every registry script on a client (idempotent). */
export function defineScripts(redis: Redis): void {
  if (defined.has(redis)) return;
  for (const script of allScripts) {
    if (script.name in redis) throw new Error(`Redis script ${script.name} would replace the ioredis method of that name`);
    redis.defineCommand(script.name, { lua: forPlainRedis(script.source) });
  }
  defined.add(redis);
}

/** The keys of one call: the event's keys, the ids a seat script names (`ids`), and the keys after the fixed ones (`more`). */
export type ScriptKeys<Ids> = { k: EventKeys; more?: string[] } & ([Ids] extends [void] ? { ids?: undefined } : { ids: Ids });

type Command = (numKeys: number, ...keysAndArgs: Array<string | number>) => Promise<unknown>;

/** Runs `script` with its fixed keys, then `more`, then `args`, and decodes the reply. */
export async function runScript<Reply, Ids>(redis: Redis, script: RedisScript<Reply, Ids>, keys: ScriptKeys<Ids>, args: Array<string | number>): Promise<Reply> {
  defineScripts(redis);
  const all = [...script.keys(keys.k, keys.ids as Ids), ...(keys.more ?? [])];
  const command = (redis as unknown as Record<string, Command>)[script.name]!;
  return script.decode(await command.call(redis, all.length, ...all, ...args));
}
