/**
 * One Worker environment per test file: a dev Upstash bridge in front of the real Redis,
 * the Worker's env pointing at it, and events created for the file dropped at the end.
 */
import { afterAll, beforeAll } from "bun:test";
import type { Env } from "../../src/env.ts";
import { startBridge } from "../../../test/kit/bridge.ts";
import { uniqueEventId } from "../../../test/kit/event-ids.ts";
import { dropEvent, openQueue } from "./redis.ts";
import { testEnv } from "./worker.ts";

export interface EdgeFixture {
  /** the Worker's env; set once the file's beforeAll has run */
  env: Env;
  /** URL of the file's Upstash bridge, for extra Worker envs */
  bridgeUrl: string;
  /** a new event with an open waiting room (plus any queue-state fields), dropped after the file */
  freshEvent(label: string, fields?: Record<string, string | number>): Promise<string>;
}

export function useEdgeWorker(vars: Partial<Env> | (() => Partial<Env>) = {}): EdgeFixture {
  let bridge: Awaited<ReturnType<typeof startBridge>> | undefined;
  const events: string[] = [];
  const fixture: EdgeFixture = {
    env: undefined as unknown as Env,
    bridgeUrl: "",
    async freshEvent(label, fields = {}) {
      const eventId = uniqueEventId(label);
      events.push(eventId);
      await openQueue(eventId, fields);
      return eventId;
    },
  };
  beforeAll(async () => {
    bridge = await startBridge();
    fixture.bridgeUrl = bridge.url;
    fixture.env = testEnv(bridge.url, typeof vars === "function" ? vars() : vars);
  });
  afterAll(async () => {
    await Promise.all(events.map(dropEvent));
    await bridge?.stop();
  });
  return fixture;
}
