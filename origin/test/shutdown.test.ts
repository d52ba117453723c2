/**
 * A real origin process stopped with SIGTERM while purchases are in flight: /ready turns 503
 * at once, new connections are refused after the drain, every in-flight purchase still
 * completes (201, saved in MySQL) and the process exits 0.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { freePort } from "../../test/kit/free-port.ts";
import { Harness } from "./support/harness.ts";

const FANS = 12;
const DRAIN_MS = 1000;
const PAYMENT_MS = 2500;
let h: Harness;

beforeAll(async () => {
  h = await Harness.create("shutdown", { event: { perOrderLimit: 1, sections: [{ name: "A", rows: 1, seatsPerRow: FANS, tier: "standard", priceCents: 5000 }] } });
});
afterAll(() => h.close());

async function waitHealthy(base: string) {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${base}/health`)).ok) return;
    } catch {}
    await Bun.sleep(50);
  }
  throw new Error("origin did not start");
}

test("SIGTERM drains: /ready 503 at once, in-flight purchases complete, no new connections, exit 0", async () => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const proc = Bun.spawn(["bun", "origin/src/main.ts"], {
    env: { ...process.env, ORIGIN_PORT: String(port), ORIGIN_HOST: "127.0.0.1", ORIGIN_DRAIN_SECONDS: String(DRAIN_MS / 1000), PAYMENT_LATENCY_MS: String(PAYMENT_MS) },
    stdout: "pipe",
    stderr: "pipe",
  });
  try {
    await waitHealthy(base);
    const fans = await h.sessions(FANS);
    const holds = await Promise.all(fans.map((fan, i) => h.hold(fan.token, [`A-1-${i + 1}`])));
    for (const r of holds) expect(r.status).toBe(201);

    const purchases = fans.map((fan, i) =>
      fetch(`${base}/api/events/${h.eventId}/holds/${holds[i]!.body.holdId}/purchase`, {
        method: "POST",
        headers: { ...h.edgeHeaders(), authorization: `Bearer ${fan.token}`, "idempotency-key": crypto.randomUUID() },
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { orderId: string } })),
    );
    await Bun.sleep(300); // purchases are now waiting on the payment provider
    proc.kill("SIGTERM");
    await Bun.sleep(100);

    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(503);
    expect((await fetch(`${base}/health`)).status).toBe(200); // still serving during the drain

    await Bun.sleep(DRAIN_MS + 400); // drain over, purchases still in flight
    await expect(fetch(`${base}/health`)).rejects.toThrow();

    const done = await Promise.all(purchases);
    expect(done.map((r) => r.status)).toEqual(Array(FANS).fill(201));
    expect(await proc.exited).toBe(0);

    const saved = new Set((await h.ordersOfEvent()).map((o) => o.id));
    for (const r of done) expect(saved.has(r.body.orderId)).toBe(true);
    expect(Object.values(await h.seatStatuses()).filter((s) => s === "sold")).toHaveLength(FANS);
  } finally {
    proc.kill("SIGKILL");
    const out = await new Response(proc.stdout).text();
    if (!out.includes("stopped in")) console.log(out, await new Response(proc.stderr).text());
  }
}, 30_000);

test("ORIGIN_IDLE_TIMEOUT_SECONDS: an idle keep-alive connection is closed by the origin after it, not before", async () => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const proc = Bun.spawn(["bun", "origin/src/main.ts"], {
    env: { ...process.env, ORIGIN_PORT: String(port), ORIGIN_HOST: "127.0.0.1", ORIGIN_IDLE_TIMEOUT_SECONDS: "2" },
    stdout: "ignore",
    stderr: "ignore",
  });
  try {
    await waitHealthy(base);
    let closedAt = 0;
    let received = "";
    const socket = await Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        data: (_s, chunk) => void (received += chunk.toString()),
        close: () => void (closedAt = Date.now()),
      },
    });
    socket.write("GET /health HTTP/1.1\r\nHost: origin\r\nConnection: keep-alive\r\n\r\n");
    const idleFrom = Date.now();
    await Bun.sleep(1000);
    expect(received).toStartWith("HTTP/1.1 200");
    expect(closedAt).toBe(0); // still open after 1 s
    for (const until = Date.now() + 20_000; !closedAt && Date.now() < until; ) await Bun.sleep(100);
    expect(closedAt).toBeGreaterThan(0);
    expect(closedAt - idleFrom).toBeGreaterThanOrEqual(1500);
  } finally {
    proc.kill("SIGKILL");
    await proc.exited;
  }
}, 20_000);
