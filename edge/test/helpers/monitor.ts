/**
 * Counts the shared-state reads Redis executes for one event, from Redis's own MONITOR
 * feed, read over a plain socket (ioredis's monitor() can mistake feed lines that arrive
 * right after +OK for replies on a busy server).
 */
import { createHash } from "node:crypto";
import { connect } from "node:net";
import { redisScripts } from "../../../lua/registry.ts";
import { forPlainRedis } from "../../../lua/flags.ts";
import { REDIS_URL } from "./redis.ts";

// what Redis runs: the bridge drops the Upstash-only flag first
const readQueueState = forPlainRedis(redisScripts.readQueueState.source);
const readSha = createHash("sha1").update(readQueueState).digest("hex");

/** The quoted arguments of one MONITOR line: `+<time> [<db> <addr>] "cmd" "arg" ...`. */
function monitorArgs(line: string): string[] {
  const start = line.indexOf('] "');
  if (start < 0) return [];
  return line
    .slice(start + 3, -1)
    .split('" "')
    .map((a) => a.replace(/\\"/g, '"').replace(/\\\\/g, "\\"));
}

export async function monitorReads(eventId: string) {
  const { hostname, port } = new URL(REDIS_URL);
  const socket = connect(Number(port || 6379), hostname);
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  const marker = `cu:{${eventId}}:`;
  const stateKey = `${marker}seq`;
  let reads = 0;
  let commands = 0;
  let pending = "";
  let ready!: () => void;
  const started = new Promise<void>((r) => (ready = r));
  socket.on("data", (chunk) => {
    pending += chunk.toString("utf8");
    let nl: number;
    while ((nl = pending.indexOf("\r\n")) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 2);
      if (line === "+OK") ready();
      if (!line.includes(marker)) continue;
      const args = monitorArgs(line);
      commands++;
      const name = String(args[0]).toLowerCase();
      const isRead = (name === "evalsha" && args[1] === readSha) || (name === "eval" && args[1] === readQueueState);
      if (isRead && args[3] === stateKey) reads++;
    }
  });
  socket.write("MONITOR\r\n");
  await started;
  return {
    /** readQueueState calls for the event so far */
    get reads() {
      return reads;
    },
    /** all commands naming the event's keys (script calls and the commands they run) */
    get commands() {
      return commands;
    },
    async stop() {
      socket.destroy();
    },
  };
}
