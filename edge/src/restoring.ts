/**
 * What the edge says while an event's line is being restored after Redis lost it (its
 * queue state has no status, or the global registry of queues is gone): a distinct state,
 * never a position, in the same plain words on every surface (stream, status, join, claim,
 * page).
 */
import { globalKeys } from "../../common/keys.ts";
import type { Env } from "./env.ts";
import { error } from "./http.ts";
import { en } from "./i18n/en.ts";
import { client } from "./redis.ts";

export const RESTORING_MESSAGE = en.live.restoring;
export const RESTORING_CLAIM_MESSAGE = "We are restoring the line; your turn is kept. Try again in a few seconds.";
export const RESTORING_NEW_FAN_MESSAGE = "We are restoring the waiting room; try again in a few seconds.";
/** The restore runs within a second of Redis answering again: ask clients back soon. */
export const RESTORING_RETRY_SECONDS = 2;

export const restoringError = (message: string = RESTORING_MESSAGE) =>
  error(503, "RESTORING", message, { "retry-after": String(RESTORING_RETRY_SECONDS) });

/** What /status answers for a waiting fan while the line is being restored. */
export interface RestoringView {
  eventId: string;
  ticketNumber: number;
  status: "restoring";
  code: "RESTORING";
  message: string;
  position: null;
  inWaitingRoom: true;
  admitted: false;
  refreshIntervalSeconds: number;
}

export function restoringView(eventId: string, ticketNumber: number, refreshIntervalSeconds: number): RestoringView {
  return { eventId, ticketNumber, status: "restoring", code: "RESTORING", message: RESTORING_MESSAGE, position: null, inWaitingRoom: true, admitted: false, refreshIntervalSeconds };
}

/** data of the stream's `restoring` event */
export const restoringEvent = (eventId: string) => ({ eventId, status: "restoring" as const, code: "RESTORING" as const, message: RESTORING_MESSAGE });

/**
 * Whether an origin's scheduler has been through this Redis since it last lost its data:
 * the registry of queues, or the scheduler's mark (`cu:scheduled`), exists. Asked only when
 * a join finds no queue (off the hot path): with neither, Redis lost everything and the
 * line is being restored, not that the event has no waiting room.
 */
export async function registryPresent(env: Env): Promise<boolean> {
  return Number(await client(env).redis.exists(globalKeys.queues, globalKeys.scheduled)) > 0;
}
