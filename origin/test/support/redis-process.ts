/**
 * A redis-server of the test's own with a data directory, so a test can take an RDB
 * snapshot (SAVE), kill the server with SIGKILL, and start it again empty or from an
 * older snapshot, without touching the Redis other tests share.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../../test/helpers/ports.ts";

export class RedisProcess {
  private proc: ReturnType<typeof Bun.spawn> | undefined;
  readonly dir = mkdtempSync(join(tmpdir(), "cu-redis-"));

  private constructor(readonly port: number) {}

  static async start(): Promise<RedisProcess> {
    const server = new RedisProcess(await freePort());
    await server.up();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get dumpFile(): string {
    return join(this.dir, "dump.rdb");
  }

  /** Starts redis-server (loading dump.rdb when there is one; no automatic saves, no AOF) and waits until it answers. */
  async up(): Promise<void> {
    this.proc = Bun.spawn(
      ["redis-server", "--port", String(this.port), "--bind", "127.0.0.1", "--dir", this.dir, "--dbfilename", "dump.rdb", "--save", "", "--appendonly", "no", "--protected-mode", "no"],
      { stdout: "ignore", stderr: "ignore" },
    );
    for (let i = 0; i < 250; i++) {
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

  /** SIGKILL: whatever was not saved is gone. */
  async kill(): Promise<void> {
    this.proc?.kill("SIGKILL");
    await this.proc?.exited;
    this.proc = undefined;
  }

  /** Killed, then started empty (the snapshot file is removed first). */
  async restartEmpty(): Promise<void> {
    await this.kill();
    rmSync(this.dumpFile, { force: true });
    await this.up();
  }

  /** Keeps a copy of the current dump.rdb (after a SAVE) under `name`. */
  keepSnapshot(name: string): string {
    const file = join(this.dir, name);
    copyFileSync(this.dumpFile, file);
    return file;
  }

  /** Killed, then started from an older snapshot: Redis goes back in time. */
  async restartFrom(snapshot: string): Promise<void> {
    await this.kill();
    if (!existsSync(snapshot)) throw new Error(`no snapshot ${snapshot}`);
    copyFileSync(snapshot, this.dumpFile);
    await this.up();
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
