/**
 * drizzle's migrator applies only the migrations newer than the last one a database has
 * (by the journal's `when`), so a migration added with an older `when` than one already
 * applied would be skipped on every database migrated before it: the journal must list its
 * migrations in the order they were added, each newer than the one before, each with its file.
 */
import { expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const dir = join(import.meta.dir, "..", "..", "drizzle");
const journal = (await Bun.file(join(dir, "meta", "_journal.json")).json()) as { entries: Array<{ idx: number; when: number; tag: string }> };

test("every migration is newer than the one before it in the journal, and each has its file", () => {
  const entries = journal.entries;
  for (let i = 1; i < entries.length; i++) expect(entries[i]!.when, entries[i]!.tag).toBeGreaterThan(entries[i - 1]!.when);
  for (const e of entries) expect(existsSync(join(dir, `${e.tag}.sql`)), e.tag).toBe(true);
  const files = readdirSync(dir).filter((f) => f.endsWith(".sql")).map((f) => f.slice(0, -4));
  expect(files.sort()).toEqual(entries.map((e) => e.tag).sort());
});
