/**
 * The suite runs on busy 2-core machines, where a test that waits for events can take
 * longer than Bun's 5 s default. This test takes a little over 5 s of waiting and must
 * pass: it fails whenever the suite's default timeout falls back to Bun's (as it did when
 * the timeout was only in bunfig.toml, which Bun 1.4 ignores, for every file of the run).
 */
import { expect, test } from "bun:test";

test("a test may wait longer than Bun's 5 s default timeout (a loaded machine)", async () => {
  const started = Date.now();
  await Bun.sleep(5_500);
  expect(Date.now() - started).toBeGreaterThanOrEqual(5_500);
});
