/** bench/README.md's settings tables are the scenarios' declarations: this fails when they drift. */
import { expect, test } from "bun:test";
import { currentSection, README, settingsSection } from "../readme-settings.ts";

test("bench/README.md's settings section is what the declarations generate (run `bun bench/readme-settings.ts`)", async () => {
  const current = currentSection(await Bun.file(README).text());
  expect(current).not.toBeNull();
  expect(current!).toBe(await settingsSection());
});
