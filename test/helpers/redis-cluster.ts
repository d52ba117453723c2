/**
 * A throwaway 3-master Redis Cluster from the local redis-server binary, on free ports, in a
 * temporary directory; `stop()` kills the servers and removes the directory.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { freePort } from "../kit/free-port.ts";

export interface LocalCluster {
  nodes: { host: string; port: number }[];
  stop(): Promise<void>;
}

async function clusterPort(): Promise<number> {
  // the cluster bus listens on port + 10000: it must be a valid, free port too
  for (;;) {
    const port = await freePort();
    if (port < 55_000) return port;
  }
}

export async function startRedisCluster(masters = 3): Promise<LocalCluster> {
  const dir = mkdtempSync(join(tmpdir(), "cu-cluster-"));
  const procs: Subprocess[] = [];
  const nodes: LocalCluster["nodes"] = [];
  const stop = async () => {
    for (const p of procs) p.kill("SIGKILL");
    await Promise.all(procs.map((p) => p.exited));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters; i++) {
      const port = await clusterPort();
      nodes.push({ host: "127.0.0.1", port });
      procs.push(
        Bun.spawn(
          ["redis-server", "--port", String(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes", "--cluster-config-file", `nodes-${port}.conf`, "--save", "", "--appendonly", "no", "--dir", dir],
          { stdout: "ignore", stderr: "ignore" },
        ),
      );
    }
    for (const n of nodes) {
      for (let i = 0; Bun.spawnSync(["redis-cli", "-p", String(n.port), "ping"]).stdout.toString().trim() !== "PONG"; i++) {
        if (i > 100) throw new Error(`redis-server on ${n.port} did not start`);
        await Bun.sleep(50);
      }
    }
    const create = Bun.spawnSync(["redis-cli", "--cluster", "create", ...nodes.map((n) => `${n.host}:${n.port}`), "--cluster-replicas", "0", "--cluster-yes"]);
    if (create.exitCode !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
    for (let i = 0; ; i++) {
      const states = nodes.map((n) => Bun.spawnSync(["redis-cli", "-p", String(n.port), "cluster", "info"]).stdout.toString());
      if (states.every((s) => s.includes("cluster_state:ok"))) break;
      if (i > 200) throw new Error("cluster did not reach cluster_state:ok");
      await Bun.sleep(50);
    }
    return { nodes, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
