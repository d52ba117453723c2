/**
 * What an operator reads while Redis is down: every tick of every event fails, and the log
 * says so once per event and message every few seconds (with how many it left out), not
 * five times a second per event; the metric counts every failure.
 */
import { afterAll, expect, spyOn, test } from "bun:test";
import { OriginMetrics } from "../src/modules/metrics/service.ts";
import { Harness } from "./support/harness.ts";

const h = await Harness.create("scheduler-log");
afterAll(() => h.close());

test("a failure repeated on every tick is logged once per event, and counted every time", async () => {
  const metrics = new OriginMetrics({ redis: h.redis, db: h.database.db, clock: h.app.deps.clock });
  const observer = metrics.schedulerObserver(() => "test");
  const lines: string[] = [];
  const spy = spyOn(console, "error").mockImplementation((line: string) => void lines.push(line));
  try {
    for (let i = 0; i < 50; i++) {
      observer.error?.("ev-a", new Error("Stream isn't writeable and enableOfflineQueue options is false"));
      observer.error?.("ev-b", new Error("Stream isn't writeable and enableOfflineQueue options is false"));
    }
  } finally {
    spy.mockRestore();
  }
  const logged = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "scheduler tick failed");
  expect(logged.map((l) => l.event).sort()).toEqual(["ev-a", "ev-b"]);
  expect(await metrics.text()).toMatch(/cu_scheduler_errors_total\{event="ev-a"[^}]*\} 50/);
});
