/**
 * Private Redis and MariaDB/MySQL servers for `bun run dev`, started from the
 * binaries on PATH with data under `.data/` and free ports, for machines where
 * REDIS_URL / DATABASE_URL do not answer.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { freePort } from "./free-port.ts";
import { mysqlAnswers, redisAnswers } from "./probe.ts";
import { waitUntil } from "./wait.ts";

export interface LocalService {
  url: string;
  stop(): Promise<void>;
}

export class MissingServerError extends Error {}

const INSTALL_HINT = {
  redis: "install Redis (Debian/Ubuntu: `apt-get install redis-server`; macOS: `brew install redis`)",
  mysql: "install MariaDB or MySQL (Debian/Ubuntu: `apt-get install mariadb-server`; macOS: `brew install mariadb`)",
};
const DOCKER_HINT = "or run the whole system with `docker compose -f deploy/compose.yml up`";

function findBinary(names: string[], extraDirs: string[] = []): string | null {
  for (const name of names) {
    const found = Bun.which(name) ?? extraDirs.map((d) => join(d, name)).find((p) => existsSync(p));
    if (found) return found;
  }
  return null;
}

function stopper(proc: ReturnType<typeof Bun.spawn>): () => Promise<void> {
  return async () => {
    if (proc.exitCode !== null) return;
    proc.kill("SIGTERM");
    const exited = await Promise.race([proc.exited.then(() => true), Bun.sleep(10_000).then(() => false)]);
    if (!exited) proc.kill("SIGKILL");
  };
}

export async function startPrivateRedis(dataDir: string): Promise<LocalService> {
  const bin = findBinary(["redis-server"]);
  if (!bin) throw new MissingServerError(`REDIS_URL does not answer and no redis-server is on PATH: ${INSTALL_HINT.redis}, ${DOCKER_HINT}.`);
  const dir = resolve(dataDir, "redis");
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const proc = Bun.spawn(
    [bin, "--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no", "--logfile", join(dir, "redis.log")],
    { stdout: "ignore", stderr: "ignore" },
  );
  const url = `redis://127.0.0.1:${port}`;
  await waitUntil(`private redis-server (log: ${join(dir, "redis.log")})`, () => redisAnswers(url), 15_000);
  return { url, stop: stopper(proc) };
}

export async function startPrivateMysql(dataDir: string, database = "test"): Promise<LocalService> {
  const sbin = ["/usr/sbin", "/usr/local/sbin", "/usr/local/mysql/bin"];
  const server = findBinary(["mariadbd", "mysqld"], sbin);
  if (!server) throw new MissingServerError(`DATABASE_URL does not answer and neither mariadbd nor mysqld is on PATH: ${INSTALL_HINT.mysql}, ${DOCKER_HINT}.`);
  const dir = resolve(dataDir, "mysql");
  const isMariadb = server.endsWith("mariadbd") || !!findBinary(["mariadb-install-db"]);
  const asRoot = process.getuid?.() === 0 ? ["--user=root"] : [];

  if (!existsSync(join(dir, "mysql"))) {
    mkdirSync(dir, { recursive: true });
    const install = isMariadb
      ? [findBinary(["mariadb-install-db", "mysql_install_db"])!, "--no-defaults", `--datadir=${dir}`, "--auth-root-authentication-method=normal", "--skip-test-db", ...asRoot]
      : [server, "--no-defaults", "--initialize-insecure", `--datadir=${dir}`, ...asRoot];
    const init = Bun.spawnSync(install, { stdout: "ignore", stderr: "pipe" });
    if (init.exitCode !== 0) throw new Error(`initialising ${dir} failed: ${init.stderr.toString().slice(-2000)}`);
  }

  const port = await freePort();
  const proc = Bun.spawn(
    [server, "--no-defaults", `--datadir=${dir}`, `--port=${port}`, "--bind-address=127.0.0.1", `--socket=${join(dir, "mysqld.sock")}`, `--pid-file=${join(dir, "mysqld.pid")}`, `--log-error=${join(dir, "error.log")}`, "--skip-name-resolve", ...asRoot],
    { stdout: "ignore", stderr: "ignore" },
  );
  const rootUrl = `mysql://root@127.0.0.1:${port}`;
  await waitUntil(`private MariaDB/MySQL server (log: ${join(dir, "error.log")})`, () => mysqlAnswers(rootUrl), 60_000, 300);
  const mysql = await import("mysql2/promise");
  const conn = await mysql.createConnection({ uri: rootUrl });
  await conn.query(`CREATE DATABASE IF NOT EXISTS \`${database}\``);
  await conn.end();
  return { url: `${rootUrl}/${database}`, stop: stopper(proc) };
}

/** Uses the server at `url` if it answers, otherwise starts a private one. */
export async function ensureRedis(url: string, dataDir: string): Promise<LocalService & { started: boolean }> {
  if (await redisAnswers(url)) return { url, stop: async () => {}, started: false };
  return { ...(await startPrivateRedis(dataDir)), started: true };
}

export async function ensureMysql(url: string, dataDir: string): Promise<LocalService & { started: boolean }> {
  if (await mysqlAnswers(url)) return { url, stop: async () => {}, started: false };
  const database = new URL(url).pathname.replace(/^\//, "") || "test";
  return { ...(await startPrivateMysql(dataDir, database)), started: true };
}
