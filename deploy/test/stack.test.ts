/**
 * deploy/compose.yml up for real, under podman with the local stand-in base images:
 * migrate and seed run once before any origin starts, two origin replicas sit behind
 * nginx, exactly one of them schedules each waiting room, the edge runs under wrangler dev,
 * and fans buy from join to purchase through the edge and nginx. Stopping one origin in
 * the middle of the sale loses no purchase and sells no seat twice.
 *
 * Slow (images, a whole stack, a 20 s drain), so it runs only with CU_STACK_TEST=1
 * (`bun run test:stack`); CI runs it as its own step after the suite.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createConnection } from "mysql2/promise";
import Redis from "ioredis";
import { eventKeys } from "../../common/keys.ts";
import { compose, repoRoot } from "./helpers/compose.ts";
import { Fan } from "./helpers/fan.ts";
import { buildImage, buildStandins, podmanBin, until } from "./helpers/podman.ts";
import { Stack } from "./helpers/stack.ts";

const enabled = process.env.CU_STACK_TEST === "1";
const missing = [!podmanBin && "podman", !compose && "docker-compose"].filter(Boolean);
if (!enabled) console.warn("deploy/test/stack.test.ts: set CU_STACK_TEST=1 (bun run test:stack) to bring deploy/compose.yml up under podman; skipping");
else if (missing.length) console.warn(`deploy/test/stack.test.ts: ${missing.join(" and ")} not installed (Debian: apt-get install podman runc debootstrap catatonit docker-compose); skipping`);

const PAYMENT_MS = 1500;
const ONE_OFF = ["secrets", "migrate"];
const SEATS = 8;

describe.skipIf(!enabled || missing.length > 0)("deploy/compose.yml under podman", () => {
  let stack: Stack;
  let adminKey = "";
  const timing: Record<string, number> = {};
  const eventId = `t-stack-${Date.now().toString(36)}`;

  beforeAll(async () => {
    let t = performance.now();
    await buildStandins();
    for (const [target, tag] of [["origin", "concert-u-origin"], ["tools", "concert-u-tools"], ["edge-dev", "concert-u-edge"]] as const) await buildImage(target, `localhost/${tag}:dev`);
    timing.images = (performance.now() - t) / 1000;
    // purchases take a while, so some are in flight when an origin stops
    stack = await Stack.create({ "origin-1": { PAYMENT_LATENCY_MS: String(PAYMENT_MS) }, "origin-2": { PAYMENT_LATENCY_MS: String(PAYMENT_MS) } });
    await stack.startEngine();
    t = performance.now();
    await stack.compose(["up", "-d", "--no-build"]);
    // `up` returns once the last service starts; nothing waits on the edge's health
    await until(
      "every long-running service healthy",
      async () => (await stack.containers()).filter((c) => !ONE_OFF.includes(c.service)).every((c) => c.health === "healthy"),
      180_000,
      1000,
    );
    timing.up = (performance.now() - t) / 1000;
    adminKey = /^ADMIN_KEY='(.*)'$/m.exec(await stack.exec("origin-1", ["cat", "/secrets/origin.env"]))![1]!;
  }, 900_000);

  afterAll(async () => {
    mkdirSync(join(repoRoot, "test-artifacts"), { recursive: true });
    writeFileSync(join(repoRoot, "test-artifacts", "deploy-stack.json"), `${JSON.stringify(timing, null, 2)}\n`);
    console.log(`compose stack: images ready in ${timing.images?.toFixed(1)} s, up (every service healthy) in ${timing.up?.toFixed(1)} s, origin-1 stopped in ${timing.stop?.toFixed(1)} s`);
    await stack?.down();
  }, 120_000);

  const admin = (method: string, path: string, body?: unknown) =>
    fetch(stack.nginxUrl + path, { method, headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });

  const mysql = () => createConnection({ host: "127.0.0.1", port: stack.ports.mysql, user: "concert_u", password: "dev-only-password", database: "concert_u" });

  /** event -> instance id, from each running origin's own /metrics */
  async function leaders(event: string): Promise<Record<string, boolean>> {
    const out: Record<string, boolean> = {};
    for (const service of ["origin-1", "origin-2"]) {
      const c = await stack.container(service);
      if (c.state !== "running") continue;
      const text = await stack.exec(service, ["bun", "-e", "console.log(await (await fetch('http://127.0.0.1:3000/metrics')).text())"]);
      out[service] = new RegExp(`^cu_scheduler_leader\\{[^}]*event="${event}"[^}]*\\} 1$`, "m").test(text);
    }
    return out;
  }

  async function instanceOf(service: string): Promise<string> {
    const m = /admission scheduler (\w+) started/.exec(await stack.logs(service));
    if (!m) throw new Error(`${service} logged no scheduler start`);
    return m[1]!;
  }

  test("every service is up and healthy; migrate and seed ran once, before either origin started", async () => {
    const all = await stack.containers();
    expect(all.map((c) => c.service).sort()).toEqual(["bridge", "edge", "migrate", "mysql", "nginx", "origin-1", "origin-2", "redis", "secrets"]);
    for (const c of all.filter((c) => !ONE_OFF.includes(c.service))) expect(`${c.service} ${c.state} ${c.health}`).toBe(`${c.service} running healthy`);
    const migrate = await stack.container("migrate");
    expect(migrate).toMatchObject({ state: "exited", exitCode: 0, restarts: 0 });
    for (const origin of ["origin-1", "origin-2"]) expect(Date.parse((await stack.container(origin)).startedAt)).toBeGreaterThan(Date.parse(migrate.finishedAt));

    const db = await mysql();
    try {
      const [applied] = (await db.query("SELECT COUNT(*) AS n FROM __drizzle_migrations")) as any;
      const migrations = (await Array.fromAsync(new Bun.Glob("*.sql").scan("drizzle"))).length;
      expect(Number(applied[0].n)).toBe(migrations);
      const [demo] = (await db.query("SELECT (SELECT COUNT(*) FROM events WHERE id = 'demo') AS events, (SELECT COUNT(*) FROM seats WHERE event_id = 'demo') AS seats")) as any;
      expect({ events: Number(demo[0].events), seats: Number(demo[0].seats) }).toEqual({ events: 1, seats: 2000 });
    } finally {
      await db.end();
    }
    // the demo event is on sale at the edge
    expect((await fetch(`${stack.edgeUrl}/events/demo`)).status).toBe(200);
  }, 60_000);

  test("nginx balances over both origin replicas", async () => {
    for (let i = 0; i < 20; i++) expect((await fetch(`${stack.nginxUrl}/ready`)).status).toBe(200);
    const upstreams = new Set([...(await stack.logs("nginx")).matchAll(/"GET \/ready HTTP\/1\.1" 200 .* upstream=(\S+)/g)].map((m) => m[1]));
    expect(upstreams.size).toBe(2);
  }, 30_000);

  test("exactly one origin schedules a waiting room, and Redis names it as the lease holder", async () => {
    const created = await admin("POST", "/admin/events", {
      id: eventId,
      name: "Compose stack sale",
      venue: "Test Hall",
      startsAt: "2031-06-01T19:30:00.000Z",
      perOrderLimit: 1,
      holdSeconds: 120,
      sections: [{ name: "A", rows: 1, seatsPerRow: 2 * SEATS, tier: "standard", priceCents: 4500 }],
    });
    expect(created.status).toBe(201);
    expect((await admin("POST", `/admin/events/${eventId}/queue`, { rate: 20, adaptive: false })).status).toBeLessThan(300);
    let seen: Record<string, boolean> = {};
    const deadline = Date.now() + 20_000;
    while (Object.values((seen = await leaders(eventId))).filter(Boolean).length !== 1 && Date.now() < deadline) await Bun.sleep(500);
    expect(Object.values(seen).filter(Boolean)).toHaveLength(1);
    for (const event of ["demo", eventId]) expect(Object.values(await leaders(event)).filter(Boolean)).toHaveLength(1);
    const leader = Object.keys(seen).find((s) => seen[s])!;
    const redis = new Redis(`redis://127.0.0.1:${stack.ports.redis}`);
    try {
      expect(await redis.get(eventKeys(eventId).schedulerLease)).toStartWith(`${await instanceOf(leader)}:`);
    } finally {
      redis.disconnect();
    }
  }, 60_000);

  test("a sale through the edge and nginx: stopping one origin mid-sale loses no purchase and sells no seat twice", async () => {
    // 2 fans for each of the first SEATS seats; the losers buy the other SEATS seats later
    const fans = Array.from({ length: 2 * SEATS }, () => new Fan(stack.edgeUrl, 1000));
    await Promise.all(fans.map((f) => f.waitForTurn(eventId, 120_000)));
    await Promise.all(fans.map((f) => f.claim(eventId)));
    const first = await Promise.all(fans.map((f, i) => f.tryHold(eventId, [`A-1-${(i % SEATS) + 1}`])));
    const winners = fans.filter((_, i) => first[i]!.status === 201);
    const losers = fans.filter((_, i) => first[i]!.status !== 201);
    expect(winners).toHaveLength(SEATS);
    for (const r of first.filter((r) => r.status !== 201)) expect(r).toMatchObject({ status: 409, body: { code: "SEAT_HELD" } });

    const purchases: Array<Promise<{ status: number; body: any }>> = winners.map((f) => f.buy(eventId, first[fans.indexOf(f)]!.body.holdId));
    await Bun.sleep(PAYMENT_MS / 3); // the first purchases wait on the payment provider
    const t = performance.now();
    const stopped = stack.compose(["stop", "origin-1"]).then(() => (timing.stop = (performance.now() - t) / 1000));
    // the sale goes on while origin-1 drains and after it has gone
    let next = 0;
    const later = async () => {
      while (next < losers.length) {
        const i = next++;
        const f = losers[i]!;
        const holdId = await f.hold(eventId, [`A-1-${SEATS + i + 1}`]);
        purchases.push(f.buy(eventId, holdId));
        await Bun.sleep(2500);
      }
    };
    await Promise.all([later(), later()]);
    await stopped;
    const results = await Promise.all(purchases);

    expect(results.map((r) => r.status)).toEqual(fans.map(() => 201));
    const sold = results.flatMap((r) => r.body.seats.map((s: { seatId: string }) => ({ seat: s.seatId, order: r.body.orderId as string })));
    expect(new Set(sold.map((s) => s.seat)).size).toBe(2 * SEATS);
    const db = await mysql();
    try {
      const [rows] = (await db.query("SELECT seat_id AS seat, order_id AS `order` FROM reservations WHERE event_id = ? ORDER BY seat_id", [eventId])) as any;
      expect(rows.map((r: any) => `${r.seat} ${r.order}`).sort()).toEqual(sold.map((s) => `${s.seat} ${s.order}`).sort());
    } finally {
      await db.end();
    }
    expect(await stack.container("origin-1")).toMatchObject({ state: "exited", exitCode: 0 });
    expect(timing.stop).toBeLessThan(30);
    // origin-1 handed its leases over: origin-2 schedules every waiting room now
    expect(await leaders(eventId)).toEqual({ "origin-2": true });
  }, 240_000);
});
