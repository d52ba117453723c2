/**
 * The docs name origin error codes beside their status ("409 `SEAT_SOLD`"); errors.ts's
 * table is where a code's status is defined, so a doc that says another one has drifted.
 * A code the table does not hold (the edge's own) is not the origin's to check.
 */
import { describe, expect, test } from "bun:test";
import { errorCodes, type ErrorCode } from "../src/errors.ts";

const root = new URL("../../", import.meta.url).pathname;
const docs = ["README.md", "DEVELOPERS.md", ...Array.from(new Bun.Glob("{docs,deploy,bench}/*.md").scanSync(root))];

describe("error codes in the docs", () => {
  test("every origin error code a doc names beside a status has the status errors.ts gives it", async () => {
    const named: string[] = [];
    const drifted: string[] = [];
    for (const file of docs) {
      const text = await Bun.file(root + file).text();
      // "409 `SEAT_HELD` / `SEAT_SOLD`", not a count ("77-276 `ORDER_NOT_SAVED`")
      for (const m of text.matchAll(/(?<![\d-])([1-5]\d\d) ((?:`[A-Z][A-Z0-9_]+`(?: \/ )?)+)/g)) {
        for (const [, code] of m[2]!.matchAll(/`([A-Z][A-Z0-9_]+)`/g)) {
          if (!(code! in errorCodes)) continue;
          named.push(code!);
          const status = errorCodes[code as ErrorCode].status;
          if (status !== Number(m[1])) drifted.push(`${file}: "${m[0]}" (errors.ts: ${code} is ${status})`);
        }
      }
    }
    expect(named.length).toBeGreaterThan(20);
    expect(drifted).toEqual([]);
  });
});
