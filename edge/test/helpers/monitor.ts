/** Counts the shared-state reads Redis executes for one event, from Redis's own MONITOR feed. */
import { createHash } from "node:crypto";
import Redis from "ioredis";
import readQueueState from "../../../lua/readQueueState-7.lua";
import { REDIS_URL } from "./redis.ts";

const readSha = createHash("sha1").update(readQueueState).digest("hex");

export async function monitorReads(eventId: string) {
  const client = new Redis(REDIS_URL);
  const monitor = await client.monitor();
  const stateKey = `cu:{${eventId}}:seq`;
  let reads = 0;
  let commands = 0;
  monitor.on("monitor", (_time: string, args: string[]) => {
    if (!args.some((a) => String(a).includes(`cu:{${eventId}}:`))) return;
    commands++;
    const name = String(args[0]).toLowerCase();
    const isRead = (name === "evalsha" && args[1] === readSha) || (name === "eval" && args[1] === readQueueState);
    if (isRead && args[3] === stateKey) reads++;
  });
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
      monitor.disconnect();
      client.disconnect();
    },
  };
}
