/**
 * A TCP proxy in front of a real server (MySQL or Redis) that a test can take down, slow
 * down, or have cut a connection when a given command passes, to inject outages at exact
 * moments.
 */
import net from "node:net";

export type CutRule = {
  /** matches a chunk the client sends */
  match: (chunk: Buffer) => boolean;
  /** "before": drop the chunk and cut (the server never sees it); "after": let it reach the server, then cut before the answer comes back */
  when: "before" | "after";
  /** runs as the rule fires */
  onCut?: () => void;
};

export class FaultProxy {
  private readonly pairs = new Set<{ client: net.Socket; upstream: net.Socket; draining: boolean }>();
  private down = false;
  private rule: CutRule | undefined;
  cuts = 0;
  /** how long everything the client sends waits before it goes on (a slow server or network) */
  delayMs = 0;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(targetHost: string, targetPort: number): Promise<FaultProxy> {
    let proxy!: FaultProxy;
    const server = net.createServer((client) => proxy.accept(client, targetHost, targetPort));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    proxy = new FaultProxy(server, (server.address() as net.AddressInfo).port);
    return proxy;
  }

  /** Rewrites a redis:// or mysql:// URL to go through this proxy. */
  url(target: string): string {
    const u = new URL(target);
    u.hostname = "127.0.0.1";
    u.port = String(this.port);
    return u.toString();
  }

  /** Cuts once, when the rule matches. */
  cutOn(rule: CutRule): void {
    this.rule = rule;
  }

  /** Down: every connection is dropped and new ones are refused until it comes back up. */
  setDown(down: boolean): void {
    this.down = down;
    if (down) for (const pair of this.pairs) this.destroy(pair);
  }

  async close(): Promise<void> {
    this.setDown(true);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket, host: string, port: number) {
    if (this.down) return void client.destroy();
    const upstream = net.connect(port, host);
    const pair = { client, upstream, draining: false };
    this.pairs.add(pair);
    // a chain keeps the byte order while each chunk waits out its delay
    let chain = Promise.resolve();
    client.on("data", (chunk: Buffer) => {
      const delay = this.delayMs;
      if (delay > 0) chain = chain.then(() => Bun.sleep(delay)).then(() => this.pass(pair, chunk));
      else chain = chain.then(() => this.pass(pair, chunk));
    });
    upstream.on("data", (chunk: Buffer) => {
      if (!client.destroyed) client.write(chunk);
    });
    const end = () => {
      if (!pair.draining) this.destroy(pair);
    };
    client.on("close", end);
    client.on("error", end);
    upstream.on("close", () => client.destroy());
    upstream.on("error", () => client.destroy());
  }

  private pass(pair: { client: net.Socket; upstream: net.Socket; draining: boolean }, chunk: Buffer) {
    const { client, upstream } = pair;
    if (upstream.destroyed) return;
    const rule = this.rule;
    if (rule && rule.match(chunk)) {
      this.rule = undefined;
      this.cuts += 1;
      rule.onCut?.();
      if (rule.when === "after") {
        pair.draining = true;
        upstream.write(chunk);
        client.destroy();
        // Let the server read the command before it sees the connection close.
        setTimeout(() => this.destroy(pair), 300);
      } else {
        this.destroy(pair);
      }
      return;
    }
    upstream.write(chunk);
  }

  private destroy(pair: { client: net.Socket; upstream: net.Socket; draining: boolean }) {
    this.pairs.delete(pair);
    pair.client.destroy();
    pair.upstream.destroy();
  }
}

/** A MySQL COM_QUERY packet whose SQL matches. */
export function mysqlQuery(pattern: RegExp): (chunk: Buffer) => boolean {
  return (chunk) => chunk.length > 5 && chunk[4] === 0x03 && pattern.test(chunk.subarray(5).toString("utf8"));
}
