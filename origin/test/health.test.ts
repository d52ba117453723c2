import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApp } from "../src/app.ts";
import { createDatabase } from "../src/db/client.ts";
import { SimulatedPaymentProvider } from "../src/payments/simulated.ts";
import { createRedis } from "../src/redis/client.ts";
import { Harness, testConfig } from "./support/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await Harness.create("health");
});
afterAll(() => h.close());

describe("probes", () => {
  test("/health and /ready answer without a token; every response carries a request id", async () => {
    const health = await h.call("GET", "/health");
    expect(health).toMatchObject({ status: 200, body: { status: "ok" } });
    expect(health.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const ready = await h.call("GET", "/ready", { headers: { "x-request-id": "req-42" } });
    expect(ready).toMatchObject({ status: 200, body: { status: "ready", redis: true, mysql: true } });
    expect(ready.headers.get("x-request-id")).toBe("req-42");
  });

  test("/ready answers 503 naming what is down", async () => {
    const config = testConfig({ redisUrl: "redis://127.0.0.1:1", databaseUrl: "mysql://root@127.0.0.1:1/test" });
    const redis = createRedis(config.redisUrl);
    const database = createDatabase(config.databaseUrl, 1);
    const app = createApp({ config, redis, database, payments: new SimulatedPaymentProvider() });
    try {
      const r = await app.handle(new Request("http://origin.test/ready"));
      expect(r.status).toBe(503);
      expect(await r.json()).toEqual({ status: "unavailable", redis: false, mysql: false });

      // Fan requests while the stores are down: 503 JSON, never a bare 500.
      const [fan] = await h.sessions(1);
      const hold = await app.handle(
        new Request(`http://origin.test/api/events/${h.eventId}/holds`, {
          method: "POST",
          headers: { ...h.edgeHeaders(), authorization: `Bearer ${fan!.token}`, "content-type": "application/json" },
          body: JSON.stringify({ seatIds: ["A-1-1"] }),
        }),
      );
      expect(hold.status).toBe(503);
      expect(await hold.json()).toEqual({ code: "SERVICE_UNAVAILABLE", message: expect.any(String) });
    } finally {
      redis.disconnect();
      await database.close();
    }
  });
});
