/**
 * A private redis-server the test owns, so it can be killed and restarted without touching
 * the shared one: restarted empty (a failover to a replica that had nothing, a restart
 * without persistence) or from an RDB snapshot taken earlier (a replica promoted without
 * its last seconds of writes).
 */
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freeStablePort } from "./free-port.ts";

export class PrivateRedis {
  private proc: ReturnType<typeof Bun.spawn> | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), "cu-redis-"));
  /** the RDB file the running server loaded and SAVE writes; a fresh name each empty start */
  private dbfile = "";
  private starts = 0;
  private constructor(readonly port: number) {
    process.once("exit", () => rmSync(this.dir, { recursive: true, force: true }));
  }

  static async start(): Promise<PrivateRedis> {
    const server = new PrivateRedis(await freeStablePort());
    await server.up();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /**
   * Starts redis-server and waits until it answers PING: empty (no RDB, no AOF), or loaded
   * from a snapshot `snapshot()` took.
   */
  async up({ from }: { from?: string } = {}): Promise<void> {
    this.dbfile = from ?? `run-${++this.starts}.rdb`;
    this.proc = Bun.spawn(["redis-server", "--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no", "--dir", this.dir, "--dbfilename", this.dbfile], { stdout: "ignore", stderr: "ignore" });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      try {
        const socket = await Bun.connect({ hostname: "127.0.0.1", port: this.port, socket: { data() {} } });
        socket.end();
        return;
      } catch {
        await Bun.sleep(20);
      }
    }
    throw new Error(`redis-server did not start on ${this.port}`);
  }

  /** SAVE now and keep the RDB file aside under a name of its own; returns that name for `up({ from })`. */
  async snapshot(name: string): Promise<string> {
    const save = Bun.spawn(["redis-cli", "-p", String(this.port), "SAVE"], { stdout: "ignore", stderr: "ignore" });
    if ((await save.exited) !== 0) throw new Error("redis-cli SAVE failed");
    const file = `${name}.rdb`;
    copyFileSync(join(this.dir, this.dbfile), join(this.dir, file));
    return file;
  }

  /** SIGKILL: everything in memory, the script cache included, is gone. */
  async kill(): Promise<void> {
    this.proc?.kill("SIGKILL");
    await this.proc?.exited;
    this.proc = undefined;
  }

  /** Killed, then started empty. */
  async restart(): Promise<void> {
    await this.kill();
    await this.up();
  }

  /** Killed, then started from a snapshot `snapshot()` took earlier: Redis goes back in time. */
  async restartFrom(snapshot: string): Promise<void> {
    await this.kill();
    await this.up({ from: snapshot });
  }
}
