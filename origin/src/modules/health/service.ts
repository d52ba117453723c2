import type { Deps } from "../../deps.ts";

async function answers(check: () => Promise<unknown>, timeoutMs = 1000): Promise<boolean> {
  try {
    await Promise.race([check(), Bun.sleep(timeoutMs).then(() => Promise.reject(new Error("timeout")))]);
    return true;
  } catch {
    return false;
  }
}

export async function readiness({ redis, database }: Pick<Deps, "redis" | "database">) {
  const [redisUp, mysqlUp] = await Promise.all([answers(() => redis.ping()), answers(() => database.pool.query("SELECT 1"))]);
  return { status: redisUp && mysqlUp ? ("ready" as const) : ("unavailable" as const), redis: redisUp, mysql: mysqlUp };
}
