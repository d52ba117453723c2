/**
 * `bun docs/generate.ts`: writes the reference pages of docs/reference/ from the code (the
 * parsers' variable declarations, common/keys.ts). docs/test/reference.test.ts fails when a
 * committed page differs from what this writes, so the reference cannot drift from the code.
 */
import { CONFIGURATION_REFERENCE, configurationReference } from "./generate/configuration.ts";
import { REDIS_KEYS_REFERENCE, redisKeysReference } from "./generate/redis-keys.ts";

/** Each generated page: where it lives and what it must hold. */
export async function referencePages(): Promise<{ path: string; text: string }[]> {
  return [
    { path: CONFIGURATION_REFERENCE, text: configurationReference() },
    { path: REDIS_KEYS_REFERENCE, text: await redisKeysReference() },
  ];
}

if (import.meta.main) {
  for (const page of await referencePages()) {
    await Bun.write(page.path, page.text);
    console.log(`${page.path.slice(process.cwd().length + 1) || page.path}: written`);
  }
}
