/**
 * The origin image built and run for real with podman, on local stand-in base images
 * (deploy/standins/): it builds from deploy/Dockerfile with the machine's CA as a build
 * secret, starts against the test Redis and MariaDB, sells a seat to a fan who comes
 * through the local edge, runs as a non-root user that cannot change the app, and drains
 * in-flight purchases on SIGTERM before exiting 0 within the stop timeout. Prints the
 * image size and start time (also in test-artifacts/deploy-image.json). Skipped (with a message) where podman is not installed.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { globalKeys } from "../../common/keys.ts";
import { Harness } from "../../origin/test/support/harness.ts";
import { startEdge, type RunningEdge } from "../../test/kit/wrangler-edge.ts";
import { freePort } from "../../test/kit/free-port.ts";
import { repoRoot } from "./helpers/compose.ts";
import { Fan } from "./helpers/fan.ts";
import { buildImage, buildStandins, imageSize, podman, podmanBin, until } from "./helpers/podman.ts";

if (!podmanBin) console.warn("deploy/test/image.test.ts: podman is not installed (Debian: apt-get install podman runc debootstrap catatonit); skipping the image tests");

const TAG = "localhost/concert-u-origin:test";
const NAME = `cu-image-test-${process.pid}`;
/** what compose (stop_grace_period) and deploy/ec2 give the container */
const STOP_TIMEOUT_S = 30;
const PAYMENT_MS = 2500;
const IN_FLIGHT = 8;

describe.skipIf(!podmanBin)("the origin image under podman", () => {
  let h: Harness;
  let edge: RunningEdge | undefined;
  let port = 0;
  let base = "";
  const report: Record<string, number> = {};

  beforeAll(async () => {
    const standinsStarted = performance.now();
    await buildStandins();
    report.standinsSeconds = (performance.now() - standinsStarted) / 1000;
    report.buildSeconds = (await buildImage("origin", TAG)).seconds;
    report.sizeMB = (await imageSize(TAG)) / 1e6;
    h = await Harness.create("image", { event: { perOrderLimit: 1, holdSeconds: 120, sections: [{ name: "A", rows: 1, seatsPerRow: IN_FLIGHT, tier: "standard", priceCents: 5000 }] } });
  }, 900_000);

  afterAll(async () => {
    mkdirSync(join(repoRoot, "test-artifacts"), { recursive: true });
    writeFileSync(join(repoRoot, "test-artifacts", "deploy-image.json"), `${JSON.stringify(report, null, 2)}\n`);
    console.log(
      `origin image: ${report.sizeMB?.toFixed(0)} MB; stand-ins ready in ${report.standinsSeconds?.toFixed(1)} s, image built in ${report.buildSeconds?.toFixed(1)} s; ` +
        `/ready ${report.readySeconds?.toFixed(1)} s after podman run; SIGTERM to exit ${report.stopSeconds?.toFixed(1)} s`,
    );
    await podman(["rm", "-f", "-t", "0", NAME], { allowFail: true });
    await edge?.stop();
    for (const id of h?.createdEvents ?? []) await h.redis.srem(globalKeys.queues, id);
    await h?.close();
  });

  test("starts against the test Redis and MariaDB and answers /health and /ready", async () => {
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const env = {
      REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
      DATABASE_URL: process.env.DATABASE_URL ?? "mysql://root@127.0.0.1:3306/test",
      ADMIN_KEY: process.env.ADMIN_KEY!,
      ACTIVE_JWKS: process.env.ACTIVE_JWKS!,
      ORIGIN_AUTH_SECRET: process.env.ORIGIN_AUTH_SECRET!,
      ORIGIN_PORT: String(port),
      ORIGIN_HOST: "127.0.0.1",
      PAYMENT_LATENCY_MS: String(PAYMENT_MS),
      LOG_REQUESTS: "0",
    };
    const started = performance.now();
    let ready: unknown = null;
    // --network host: the container reaches the machine's Redis and MariaDB on 127.0.0.1
    await podman(["run", "-d", "--init", "--network", "host", "--name", NAME, ...Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]), TAG]);
    await until(
      "the container's /ready",
      async () => {
        const state = (await podman(["inspect", "--format", "{{.State.Status}}", NAME])).out;
        if (state !== "running") throw new Error(`container ${state}:\n${(await podman(["logs", NAME], { allowFail: true })).err}`);
        const res = await fetch(`${base}/ready`);
        if (res.status !== 200) return false;
        ready = await res.json();
        return true;
      },
      60_000,
      100,
    );
    report.readySeconds = (performance.now() - started) / 1000;
    // the answer that said ready names both stores (asked again, a busy machine can make one
    // ping miss its 1 s bound: that is /ready doing its job, not the image failing)
    expect(ready).toMatchObject({ status: "ready", redis: true, mysql: true });
    expect((await fetch(`${base}/health`)).status).toBe(200);
    // the image's own HEALTHCHECK agrees
    expect((await podman(["healthcheck", "run", NAME], { allowFail: true })).code).toBe(0);
  }, 90_000);

  test("runs as a non-root user that can change nothing under /app, and holds no build secret", async () => {
    // every process of the container, the origin itself included
    const procs = (await podman(["exec", NAME, "sh", "-c", 'for p in /proc/[0-9]*; do [ -r "$p/cmdline" ] && echo "$(stat -c %u "$p") $(tr "\\0" " " < "$p/cmdline")"; done'])).out;
    const origin = procs.split("\n").filter((l) => l.includes("origin/src/main.ts"));
    expect(origin.length).toBeGreaterThan(0);
    for (const line of procs.split("\n").filter(Boolean)) expect(line).toMatch(/^[1-9]\d* /);
    expect((await podman(["exec", NAME, "id", "-un"])).out).toBe("bun");
    expect((await podman(["exec", NAME, "find", "/app", "-writable"])).out).toBe("");
    expect((await podman(["exec", NAME, "sh", "-c", "echo x >> /app/origin/src/main.ts"], { allowFail: true })).code).not.toBe(0);
    expect((await podman(["exec", NAME, "sh", "-c", "touch /app/new-file"], { allowFail: true })).code).not.toBe(0);
    expect((await podman(["exec", NAME, "test", "-e", "/run/secrets/ca"], { allowFail: true })).code).not.toBe(0);
    expect((await podman(["inspect", "--format", "{{.Config.Env}}", NAME])).out).not.toMatch(/SSL_CERT_FILE|NODE_EXTRA_CA_CERTS/);
  }, 30_000);

  test("a fan joins through the local edge pointing at the container, claims, holds and buys", async () => {
    edge = await startEdge({
      originUrl: base,
      redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
      vars: { TICK_MS: "250", HEARTBEAT_SECONDS: "2", PRESENCE_GRACE_SECONDS: "30", JOIN_LIMIT_PER_MINUTE: "1000", TICKET_LIMIT_PER_MINUTE: "10000" },
    });
    const eventId = `${h.eventId}-fan`;
    h.createdEvents.push(eventId);
    const admin = (path: string, body: unknown) =>
      fetch(base + path, { method: "POST", headers: { authorization: `Bearer ${process.env.ADMIN_KEY}`, "content-type": "application/json" }, body: JSON.stringify(body) });
    const created = await admin("/admin/events", {
      id: eventId,
      name: "Image test",
      venue: "Test Hall",
      startsAt: "2031-06-01T19:30:00.000Z",
      perOrderLimit: 2,
      holdSeconds: 120,
      sections: [{ name: "A", rows: 1, seatsPerRow: 4, tier: "standard", priceCents: 4500 }],
    });
    expect(created.status).toBe(201);
    expect((await admin(`/admin/events/${eventId}/queue`, { rate: 5, adaptive: false })).status).toBeLessThan(300);

    const fan = new Fan(edge.url);
    // the container's scheduler admits the fan
    await fan.waitForTurn(eventId);
    await fan.claim(eventId);
    expect(JSON.stringify(await fan.seats(eventId))).toContain("A-1-2");
    const holdId = await fan.hold(eventId, ["A-1-2"]);
    const bought = await fan.buy(eventId, holdId);
    expect(bought.status).toBe(201);
    expect(bought.body.seats.map((s: { seatId: string }) => s.seatId)).toEqual(["A-1-2"]);
    const [rows] = (await h.database.pool.query("SELECT seat_id AS seatId, order_id AS orderId FROM reservations WHERE event_id = ?", [eventId])) as unknown as [Array<{ seatId: string; orderId: string }>];
    expect(rows).toEqual([{ seatId: "A-1-2", orderId: bought.body.orderId }]);
  }, 120_000);

  test(`SIGTERM during in-flight purchases drains them all and exits 0 within the ${STOP_TIMEOUT_S} s stop timeout`, async () => {
    const fans = await h.sessions(IN_FLIGHT);
    const headers = (token: string) => ({ ...h.edgeHeaders(), authorization: `Bearer ${token}` });
    const holds = await Promise.all(
      fans.map(async (fan, i) => {
        const r = await fetch(`${base}/api/events/${h.eventId}/holds`, {
          method: "POST",
          headers: { ...headers(fan.token), "content-type": "application/json" },
          body: JSON.stringify({ seatIds: [`A-1-${i + 1}`] }),
        });
        expect(r.status).toBe(201);
        return ((await r.json()) as { holdId: string }).holdId;
      }),
    );
    const purchases = fans.map((fan, i) =>
      fetch(`${base}/api/events/${h.eventId}/holds/${holds[i]}/purchase`, { method: "POST", headers: { ...headers(fan.token), "idempotency-key": crypto.randomUUID() } }).then(
        async (r) => ({ status: r.status, body: (await r.json()) as { orderId: string } }),
        (e: Error) => ({ status: 0, body: { orderId: e.message } }),
      ),
    );
    await Bun.sleep(500); // every purchase now waits on the payment provider
    const started = performance.now();
    const stop = podman(["stop", "-t", String(STOP_TIMEOUT_S), NAME]);
    // draining: out of rotation at once, still serving
    await until("/ready answering 503", async () => (await fetch(`${base}/ready`)).status === 503, 5000, 50);
    const results = await Promise.all(purchases);
    await stop;
    report.stopSeconds = (performance.now() - started) / 1000;

    expect(results.map((r) => r.status)).toEqual(fans.map(() => 201));
    const [rows] = (await h.database.pool.query("SELECT order_id AS orderId FROM reservations WHERE event_id = ?", [h.eventId])) as unknown as [Array<{ orderId: string }>];
    expect(rows.map((r) => r.orderId).sort()).toEqual(results.map((r) => r.body.orderId).sort());
    expect((await podman(["inspect", "--format", "{{.State.ExitCode}}", NAME])).out).toBe("0");
    expect(report.stopSeconds).toBeLessThan(STOP_TIMEOUT_S);
  }, 90_000);
});
