import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, rmSync } from "node:fs";
import { globalKeys } from "../../../common/keys.ts";
import { errorShape, Harness } from "../support/harness.ts";

const environment = `t-cap-${Date.now().toString(36)}`;
const file = `/tmp/concert-u-${environment}.json`;
let h: Harness;
const saved = { env: process.env.CAPACITY_ENVIRONMENT, file: process.env.CAPACITY_FILE };
const admin = () => ({ authorization: `Bearer ${h.config.adminKey}` });

beforeAll(async () => {
  // this app's capacity lives under its own environment name, apart from the developer's
  process.env.CAPACITY_ENVIRONMENT = environment;
  process.env.CAPACITY_FILE = file;
  h = await Harness.create("cap");
});
afterAll(async () => {
  process.env.CAPACITY_ENVIRONMENT = saved.env;
  process.env.CAPACITY_FILE = saved.file;
  if (saved.env === undefined) delete process.env.CAPACITY_ENVIRONMENT;
  if (saved.file === undefined) delete process.env.CAPACITY_FILE;
  await h.redis.del(globalKeys.capacity(environment));
  rmSync(file, { force: true });
  await h.close();
});

async function scratchEvents(): Promise<number> {
  const [rows] = (await h.database.pool.query("SELECT COUNT(*) AS n FROM events WHERE id LIKE 'cap-%'")) as unknown as [[{ n: number }]];
  return Number(rows[0].n);
}

describe("capacity measurement", () => {
  test("measures real purchases at rising concurrency, stores the result in Redis and a file, and derives the admission rate", async () => {
    expect(await h.call("GET", "/admin/capacity", { headers: admin() })).toMatchObject({ status: 404, body: { code: "CAPACITY_NOT_MEASURED" } });
    expect(await h.call("POST", "/admin/capacity/measure", { headers: admin(), body: { levelMs: 50 } })).toMatchObject({ status: 400, body: errorShape });

    const scratchBefore = await scratchEvents();
    const measured = await h.call("POST", "/admin/capacity/measure", { headers: admin(), body: { levelMs: 400, maxConcurrency: 4 } });
    expect(measured.status).toBe(200);
    const r = measured.body;
    expect(r.environment).toBe(environment);
    expect(r.kind).toBe("database");
    expect(r.levels.map((l: any) => l.concurrency)).toEqual([1, 2, 4].slice(0, r.levels.length));
    expect(r.levels.every((l: any) => l.purchases > 0 && l.errors === 0)).toBe(true);
    expect(r.tps).toBeGreaterThan(0);
    expect(r.levels.find((l: any) => l.concurrency === r.concurrency).tps).toBe(r.tps);
    expect(r.admissionRate).toBeCloseTo(r.tps * 0.75, 5);

    expect(JSON.parse((await h.redis.hget(globalKeys.capacity(environment), "json"))!).measuredAt).toBe(r.measuredAt);
    expect(existsSync(file)).toBe(true);
    expect((await Bun.file(file).json()).tps).toBe(r.tps);
    expect((await h.call("GET", "/admin/capacity", { headers: admin() })).body).toMatchObject({ tps: r.tps, measuredAt: r.measuredAt });
    // the scratch events are gone
    expect(await scratchEvents()).toBe(scratchBefore);
  }, 30_000);
});
