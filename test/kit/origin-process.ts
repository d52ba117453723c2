/** Starts origin instances (`bun origin/src/main.ts`) as child processes. */
import { join } from "node:path";
import { freePort } from "./free-port.ts";
import { waitUntil } from "./wait.ts";

const root = join(import.meta.dir, "..", "..");

export interface OriginProcess {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

async function portIsFree(port: number): Promise<boolean> {
  try {
    const server = Bun.serve({ port, hostname: "127.0.0.1", fetch: () => new Response() });
    server.stop(true);
    return true;
  } catch {
    return false;
  }
}

/** Starts one origin on `port` (or a free port if that one is taken) and waits for /health. */
export async function startOrigin({ env, port }: { env: Record<string, string>; port: number }): Promise<OriginProcess> {
  const chosen = (await portIsFree(port)) ? port : await freePort();
  const proc = Bun.spawn(["bun", "origin/src/main.ts"], {
    cwd: root,
    env: { ...process.env, ...env, ORIGIN_PORT: String(chosen) },
    stdout: "inherit",
    stderr: "inherit",
  });
  const url = `http://127.0.0.1:${chosen}`;
  const exitedEarly = proc.exited.then((code) => {
    throw new Error(`origin exited with code ${code} before answering /health`);
  });
  await Promise.race([waitUntil(`origin on ${url}`, async () => (await fetch(`${url}/health`)).ok), exitedEarly]);
  exitedEarly.catch(() => {});
  return {
    url,
    pid: proc.pid,
    async stop() {
      if (proc.exitCode !== null) return;
      proc.kill("SIGTERM");
      const done = await Promise.race([proc.exited.then(() => true), Bun.sleep(10_000).then(() => false)]);
      if (!done) proc.kill("SIGKILL");
    },
  };
}
