/**
 * The bench's stack: what a run started is stopped newest first, a failing stop does not
 * keep the others from running, and a run interrupted with SIGINT leaves no process, no
 * MySQL row and no Redis key behind (real processes, real Redis and MariaDB).
 */
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import Redis from "ioredis";
import { eventKeys, globalKeys } from "../../common/keys.ts";
import { createDatabase } from "../../origin/src/db/client.ts";
import { Stack, withStack } from "../lib/stack.ts";

const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
const database = createDatabase(process.env.DATABASE_URL ?? "mysql://root@127.0.0.1:3306/test", 2);
afterAll(async () => {
  redis.disconnect();
  await database.close();
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test("a stack stops what it started newest first, and a failing stop does not keep the rest from running", async () => {
  const stopped: string[] = [];
  const errors: string[] = [];
  const original = console.error;
  console.error = (line: string) => void errors.push(line);
  try {
    await withStack(async (stack) => {
      stack.defer("first", () => void stopped.push("first"));
      stack.defer("second", async () => {
        stopped.push("second");
        throw new Error("could not");
      });
      stack.add("third", { stop: () => void stopped.push("third") });
    });
  } finally {
    console.error = original;
  }
  expect(stopped).toEqual(["third", "second", "first"]);
  expect(errors).toEqual(["stopping second: could not"]);
});

test("a child process registered with a stack is gone once the stack stops", async () => {
  const stack = new Stack();
  const child = stack.process("sleeper", Bun.spawn(["sleep", "600"], { stdout: "ignore" }));
  expect(alive(child.pid)).toBe(true);
  await stack.stop();
  expect(child.signalCode).toBe("SIGTERM");
  expect(alive(child.pid)).toBe(false);
});

test("a run interrupted with SIGINT stops its processes and removes its scratch event from MySQL and Redis", async () => {
  const eventId = `bench-int-${Date.now().toString(36)}`;
  const run = Bun.spawn(["bun", join(import.meta.dir, "fixtures", "interrupted-run.ts"), eventId], { env: process.env, stdout: "pipe", stderr: "pipe" });
  const reader = run.stdout.getReader();
  let out = "";
  while (!/ready \d+/.test(out)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the run ended before it was ready: ${out} ${await new Response(run.stderr).text()}`);
    out += new TextDecoder().decode(value);
  }
  const childPid = Number(/ready (\d+)/.exec(out)![1]);
  const rows = async (sql: string) => Number(((await database.pool.query(sql, [eventId])) as unknown as [[{ n: number }]])[0][0].n);
  expect(alive(childPid)).toBe(true);
  expect(await rows("SELECT COUNT(*) AS n FROM seats WHERE event_id = ?")).toBe(3);
  expect(await redis.exists(eventKeys(eventId).queueState)).toBe(1);

  run.kill("SIGINT");
  expect(await run.exited).toBe(130);
  expect(await new Response(run.stderr).text()).toContain("SIGINT: stopping what the bench started");
  expect(alive(childPid)).toBe(false);
  expect(await rows("SELECT COUNT(*) AS n FROM events WHERE id = ?")).toBe(0);
  expect(await rows("SELECT COUNT(*) AS n FROM seats WHERE event_id = ?")).toBe(0);
  expect(await redis.exists(eventKeys(eventId).queueState)).toBe(0);
  expect(await redis.sismember(globalKeys.queues, eventId)).toBe(0);
});
