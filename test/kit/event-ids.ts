/**
 * Event ids no other test, chaos run or bench (nor an earlier run of them) uses, so files
 * can share one Redis and one database at once. Every event a test makes gets its id here.
 */
import { EVENT_ID_PATTERN } from "../../common/keys.ts";

let counter = 0;

/** `t-<label>-<time><counter><random>`, within the 64 characters an event id may have. */
export function uniqueEventId(label: string): string {
  const suffix = `${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const id = `t-${label.slice(0, 64 - suffix.length - 3)}-${suffix}`;
  if (!EVENT_ID_PATTERN.test(id)) throw new Error(`label ${JSON.stringify(label)} makes an invalid event id ${JSON.stringify(id)}`);
  return id;
}
