/** A private redis-server the test owns, so it can be killed and restarted without touching the shared one. */
import { freePort } from "../../test/helpers/ports.ts";

export class PrivateRedis {
  private proc: ReturnType<typeof Bun.spawn> | undefined;
  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const server = new PrivateRedis(await freePort());
    await server.up();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts redis-server empty (no RDB, no AOF) and waits until it answers PING. */
  async up(): Promise<void> {
    this.proc = Bun.spawn(["redis-server", "--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"], { stdout: "ignore", stderr: "ignore" });
    const deadline = Date.now() + 5000;
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

  /** SIGKILL: everything in memory, the script cache included, is gone. */
  async kill(): Promise<void> {
    this.proc?.kill("SIGKILL");
    await this.proc?.exited;
    this.proc = undefined;
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.up();
  }
}
