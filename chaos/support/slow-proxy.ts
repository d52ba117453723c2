/** A TCP proxy that can delay everything the client sends by a fixed time: a slow database. */
import net from "node:net";

export class SlowProxy {
  delayMs = 0;
  private readonly sockets = new Set<net.Socket>();
  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(host: string, port: number): Promise<SlowProxy> {
    let proxy!: SlowProxy;
    const server = net.createServer((client) => {
      const upstream = net.connect(port, host);
      proxy.sockets.add(client).add(upstream);
      // a chain keeps the byte order while each chunk waits its delay
      let chain = Promise.resolve();
      client.on("data", (chunk) => {
        const delay = proxy.delayMs;
        chain = chain.then(() => (delay > 0 ? Bun.sleep(delay) : undefined)).then(() => void (upstream.destroyed || upstream.write(chunk)));
      });
      upstream.on("data", (chunk) => client.destroyed || client.write(chunk));
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on("close", close).on("error", close);
      upstream.on("close", close).on("error", close);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    proxy = new SlowProxy(server, (server.address() as net.AddressInfo).port);
    return proxy;
  }

  url(target: string): string {
    const u = new URL(target);
    u.hostname = "127.0.0.1";
    u.port = String(this.port);
    return u.toString();
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
