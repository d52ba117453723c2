/**
 * One Redis database and one MySQL database per test worker. `bun test --parallel` runs files
 * in several processes at once; with these, each process sees only its own keys, rows and
 * schedulers (an origin a file starts schedules the events listed in its own Redis database,
 * and restores only its own database's rooms). Worker 1 keeps the configured services;
 * worker N uses Redis database N - 1 on the same server and the MySQL database `<name>_w<N>`.
 * Files that count what the whole Redis server runs (INFO commandstats), flush it or restart
 * it use a private redis-server instead (./private-redis.ts).
 */
export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";
export const DEFAULT_DATABASE_URL = "mysql://root@127.0.0.1:3306/test";

/** The worker's own Redis URL: database N - 1 above the one configured (`redis://host:port/<db>`). */
export function workerRedisUrl(base: string, worker: number): string {
  if (worker <= 1) return base;
  const url = new URL(base);
  const db = Number(url.pathname.slice(1) || "0") + worker - 1;
  url.pathname = `/${db}`;
  return url.toString();
}

/** The worker's own MySQL database: `<name>_w<N>` on the same server. */
export function workerDatabaseUrl(base: string, worker: number): string {
  if (worker <= 1) return base;
  const url = new URL(base);
  url.pathname = `/${url.pathname.slice(1)}_w${worker}`;
  return url.toString();
}

/** The worker this process is (`BUN_TEST_WORKER_ID`, 1 when not run in parallel). */
export const testWorker = (env: Record<string, string | undefined> = process.env) => Math.max(1, Number(env.BUN_TEST_WORKER_ID) || 1);
