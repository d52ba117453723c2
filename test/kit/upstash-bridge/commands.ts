/**
 * Runs Upstash REST command arrays on one shared ioredis connection: single commands,
 * pipelines and MULTI/EXEC transactions. Replies come back as Buffers (callBuffer) so
 * binary values survive the base64 encoding.
 */
import type Redis from "ioredis";
import { ReplyError } from "ioredis";
import type { ScriptFlags } from "./lua-flags.ts";
import { encodeReply } from "./reply.ts";

/** A checked command: upper-case name first, then strings and numbers. */
export type Command = [string, ...Array<string | number>];

/** One reply of a pipeline or transaction, as Upstash sends it. */
export type Outcome = { result: unknown } | { error: string };

/** A bad request or a Redis error reply: HTTP 400, like Upstash. */
export class CommandError extends Error {}

// Commands that change the state of the shared connection or block it for everyone.
const REFUSED = new Set([
  "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE", "MONITOR",
  "SELECT", "SWAPDB", "QUIT", "RESET", "HELLO", "AUTH", "CLIENT",
  "MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH",
  "BLPOP", "BRPOP", "BRPOPLPUSH", "BLMOVE", "BLMPOP", "BZPOPMIN", "BZPOPMAX", "BZMPOP", "WAIT", "WAITAOF",
]);

/**
 * Checks that `value` is one command array and upper-cases its name in place, else throws
 * CommandError. Upper case matters: ioredis reshapes replies of some lower-case names
 * (HGETALL into an object); Redis reads names in any case.
 */
export function checkCommand(value: unknown): Command {
  if (!Array.isArray(value) || value.length === 0 || typeof value[0] !== "string" || value[0] === "")
    throw new CommandError("ERR a command is a non-empty JSON array starting with the command name");
  for (let i = 1; i < value.length; i++) {
    const arg = value[i];
    if (typeof arg === "boolean") value[i] = String(arg);
    else if (typeof arg !== "string" && typeof arg !== "number")
      throw new CommandError(`ERR argument ${i} of ${value[0]} is not a string or a number`);
  }
  const name = (value[0] = value[0].toUpperCase());
  if (REFUSED.has(name) || ((name === "XREAD" || name === "XREADGROUP") && value.some((a) => typeof a === "string" && a.toUpperCase() === "BLOCK")))
    throw new CommandError(`ERR ${name} is not supported by the dev bridge (it would hold the shared connection)`);
  return value as Command;
}

export function checkCommands(value: unknown): Command[] {
  if (!Array.isArray(value) || value.length === 0) throw new CommandError("ERR the body is a non-empty JSON array of commands");
  for (const cmd of value) checkCommand(cmd);
  return value as Command[];
}

export function createRunner(redis: Redis, scripts: ScriptFlags) {
  /** Applies the Lua flag rewrite to every command; returns the replies to substitute. */
  const prepare = (cmds: Command[]) => cmds.map((cmd) => scripts.rewrite(cmd));

  return {
    /** One command: its encoded reply, or a CommandError carrying Redis's error reply. */
    async single(cmd: Command, base64: boolean): Promise<unknown> {
      const override = scripts.rewrite(cmd);
      try {
        const reply = await redis.callBuffer(...cmd);
        return encodeReply(override ?? reply, base64);
      } catch (e) {
        throw asCommandError(e);
      }
    },

    /** A pipeline: not atomic, each command gets its own result or error. */
    async pipeline(cmds: Command[], base64: boolean): Promise<Outcome[]> {
      const overrides = prepare(cmds);
      const p = redis.pipeline();
      for (const cmd of cmds) p.callBuffer(...cmd);
      return toOutcomes((await p.exec())!, overrides, base64);
    },

    /**
     * A transaction: MULTI ... EXEC, written to the socket in one go. A command Redis refuses
     * while queueing aborts the whole transaction (EXECABORT, nothing runs); a command that
     * fails while running gets an error entry and the others still apply, as in Redis.
     */
    async multiExec(cmds: Command[], base64: boolean): Promise<Outcome[]> {
      const overrides = prepare(cmds);
      const m = redis.multi();
      for (const cmd of cmds) m.callBuffer(...cmd);
      let replies;
      try {
        replies = await m.exec();
      } catch (e) {
        throw asCommandError(e);
      }
      if (!replies) throw new CommandError("EXECABORT the transaction was aborted");
      return toOutcomes(replies, overrides, base64);
    },
  };
}

function toOutcomes(replies: Array<[Error | null, unknown]>, overrides: Array<string | undefined>, base64: boolean): Outcome[] {
  return replies.map(([err, reply], i) => (err ? { error: err.message } : { result: encodeReply(overrides[i] ?? reply, base64) }));
}

/** Redis error replies become CommandErrors; anything else (connection trouble) is rethrown. */
function asCommandError(e: unknown): unknown {
  if (!(e instanceof ReplyError)) return e;
  const { message: reply, previousErrors: previous } = e as Error & { previousErrors?: Error[] };
  const message = previous?.length ? `${reply} ${previous.map((p) => p.message).join("; ")}` : reply;
  return new CommandError(message);
}
