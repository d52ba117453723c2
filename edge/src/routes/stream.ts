/**
 * GET /queue/:eventId/events: Server-Sent Events for one waiting fan.
 *   event: position  the fan's view (as /status: with the fan's declared `choice` and the
 *                    `tiersRunningOut`), with an id (the state version)
 *   event: admitted  the fan's turn: claim before `claimDeadline`; the stream ends
 *   event: expired   the ticket is no longer in line; the stream ends
 *   event: closed    the sale is over (sold out or closed); nobody else will be admitted; the stream ends
 *   event: moved     the place moved to another device (its resume link was opened there; the
 *                    latest device to open it holds the place); this one no longer holds it; the stream ends
 *   event: restoring the event's queue state is missing (Redis lost it) or cannot be read: no
 *                    position is true now, so none is sent; the stream stays open, and once the
 *                    state is back it touches the ticket again (which puts a fan the restore kept a
 *                    number for back at it) and resumes with true positions
 *   : heartbeat      a comment at least every HEARTBEAT_SECONDS (max 15 s)
 * The current state is sent at once; afterwards each tick reads the isolate's shared
 * snapshot and writes only when the fan's view changed. The fan's choice is read once at
 * connect; a change reaches the stream through the hub (hub.ts), never by a read per frame. A stream opened during a
 * pre-queue ends when the sale opens, so the client reconnects and learns its drawn number.
 *
 * Ending: the three final events carry `id: end`. A standard EventSource reconnects after
 * any end of stream and sends the last id it saw as Last-Event-ID, so a reconnect after a
 * final event is answered 204 No Content, which the SSE spec defines as "stop
 * reconnecting" (and costs no Redis call). A stream that is still waiting ends by itself
 * after STREAM_MAX_SUBREQUESTS subrequests, below the Workers limit per request; the
 * client reconnects after `retry` and keeps its place.
 */
import { readTicket } from "../auth.ts";
import { config, type Env } from "../env.ts";
import { hubFor, SnapshotUnavailable } from "../hub.ts";
import { infinitePlace, infiniteView } from "../infinite.ts";
import { touchTicket, type TouchResult } from "../queue.ts";
import { tooManyRequests } from "../ratelimit.ts";
import { restoringEvent } from "../restoring.ts";
import type { LineStatus } from "../../../common/queue-state.ts";
import { fanView, sawWaiting, type Snapshot } from "../snapshot.ts";
import { parseChoice, type DeclaredChoice } from "../../../common/choice.ts";
import { noTicket, PLACE_MOVED_MESSAGE } from "./status.ts";
import { refreshIntervalSeconds } from "./view.ts";

const RETRY_MS = 3000;
const PREQUEUE_RECONNECT_SPREAD_MS = 5000;
/** After a restore, the isolate's streams touch their tickets again spread over this long, not all at once. */
const RETOUCH_SPREAD_MS = 2000;
const encoder = new TextEncoder();

function frame(event: string, data: unknown, id?: string): string {
  return `${id ? `id: ${id}\n` : ""}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The id of every final event: a reconnect that sends it back as Last-Event-ID is told to stop. */
export const END_ID = "end";

function admittedFrame(eventId: string, deadline: number): string {
  return frame("admitted", { eventId, admitted: true, claimDeadline: new Date(deadline).toISOString(), claimUrl: `/queue/${eventId}/claim` }, END_ID);
}

function expiredFrame(eventId: string): string {
  return frame("expired", { code: "LEFT_QUEUE", message: "This ticket is no longer in line.", joinUrl: `/queue/${eventId}/join` }, END_ID);
}

function movedFrame(eventId: string): string {
  return frame("moved", { eventId, code: "PLACE_MOVED", message: PLACE_MOVED_MESSAGE }, END_ID);
}

function closedFrame(eventId: string, status: "soldout" | "closed"): string {
  const message = status === "soldout" ? "Sold out: every ticket has been sold." : "The sale is closed.";
  return frame("closed", { eventId, status, code: status === "soldout" ? "SOLD_OUT" : "SALE_CLOSED", message }, END_ID);
}

/** lastKey of a stream whose last event said restoring */
const RESTORING_KEY = "restoring";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function stream(request: Request, env: Env, ctx: ExecutionContext, eventId: string): Promise<Response> {
  if (request.headers.get("last-event-id") === END_ID) return new Response(null, { status: 204, headers: { "cache-control": "no-store" } });
  const held = await readTicket(request, env, eventId);
  if (!held) return noTicket(eventId);
  const endless = await infinitePlace(env, held.claims.tid);
  if (endless) return infiniteStream(request, env, eventId, held.claims.num, endless.position);
  const tid = held.claims.tid;
  const touch = async (limited = false): Promise<TouchResult | null> => {
    try {
      return await touchTicket(env, eventId, tid, held.claims.num, limited);
    } catch {
      return null; // Redis cannot be reached: told as restoring, and tried again
    }
  };
  // null: Redis could not be reached. A 200 stream that says so, never an error status,
  // which would make a standard EventSource give up for good. The connect counts against
  // the ticket's limit in the same call, and the fan's declared choice comes with it, once;
  // the hub hands the stream any later change.
  const where = await touch(true);
  if (where?.kind === "rate-limited") return tooManyRequests(where.resetAt);
  const choiceAtConnect = where?.kind === "waiting" ? where.choice : null;
  // what this request has sent upstream: the touch (with the limiter) so far, then its shared reads
  const usage = { subrequests: 1 };

  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const write = (text: string) => writer.write(encoder.encode(text));
  const headers = {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-store",
    "x-accel-buffering": "no",
  };

  if (where?.kind === "admitted" || where?.kind === "unknown" || where?.kind === "moved") {
    const last = where.kind === "admitted" ? admittedFrame(eventId, where.deadline) : where.kind === "moved" ? movedFrame(eventId) : expiredFrame(eventId);
    void write(`retry: ${RETRY_MS}\n\n${last}`).then(() => writer.close()).catch(() => {});
    return new Response(readable, { headers });
  }

  let num = where?.kind === "waiting" ? where.num : held.claims.num;
  /** the line is being restored, or Redis could not be read: the ticket is touched again once it is back */
  let restoring = where?.kind !== "waiting";
  const hub = hubFor(eventId);
  const { tickMs, heartbeatMs, streamMaxSubrequests } = config(env);
  const refresh = refreshIntervalSeconds(env);
  hub.open(tid);
  let choice: DeclaredChoice | null = choiceAtConnect;
  /** the hub's entry for this ticket the stream last applied */
  let choiceSeen = hub.choices.get(tid);

  const away = whenGone(request, writer);

  const run = async () => {
    let openedIn: LineStatus | null = null;
    /** the restore this stream last saw (undefined before its first good read) */
    let seenRestoredAt: number | null | undefined;
    let lastKey = "";
    let lastWrite = 0;
    await write(`retry: ${RETRY_MS}\n\n`);
    /** where the ticket stands now, asked again: null while the line cannot be placed (still restoring) */
    const retouch = async (): Promise<"go-on" | "ended" | null> => {
      usage.subrequests++;
      const again = await touch();
      // an unlimited touch is never rate-limited: told as not placed yet, and asked again
      if (again === null || again.kind === "restoring" || again.kind === "rate-limited") return null;
      if (again.kind === "admitted" || again.kind === "unknown" || again.kind === "moved") {
        await write(again.kind === "admitted" ? admittedFrame(eventId, again.deadline) : again.kind === "moved" ? movedFrame(eventId) : expiredFrame(eventId));
        return "ended";
      }
      num = again.num;
      hub.lookups.delete(tid);
      hub.pendingLookups.delete(tid);
      return "go-on";
    };
    for (let first = true; ; first = false) {
      if (!first) await Promise.race([sleep(tickMs), away.left]);
      if (away.gone) return;
      // end before the next read could pass the Workers limit of subrequests per request;
      // the client reconnects after `retry` with the same ticket and keeps its place
      if (usage.subrequests >= streamMaxSubrequests) return;
      let snapshot: Snapshot | null = null;
      try {
        snapshot = await hub.ensureFresh(env, usage);
      } catch (e) {
        if (!(e instanceof SnapshotUnavailable)) throw e;
      }
      if (hub.moved.has(tid)) {
        // the resume link was opened on another device, which holds the place now
        await write(movedFrame(eventId));
        return;
      }
      const restoredSince = snapshot !== null && seenRestoredAt !== undefined && snapshot.restoredAt !== seenRestoredAt;
      if (snapshot !== null && snapshot.status !== "restoring" && (restoring || restoredSince)) {
        // the state is back, or the line was restored while this stream showed it: the
        // ticket is touched again (spread over the isolate's streams), which puts it back
        // at its number if the restore kept one for it
        if (!first) await Promise.race([sleep(Math.random() * RETOUCH_SPREAD_MS), away.left]);
        if (away.gone) return;
        const outcome = await retouch();
        if (outcome === "ended") return;
        // null: the line cannot be placed yet (or Redis failed): restoring, asked again next tick
        restoring = outcome === null;
      }
      if (snapshot === null || snapshot.status === "restoring" || restoring) {
        restoring = true;
        if (lastKey !== RESTORING_KEY) {
          await write(frame("restoring", restoringEvent(eventId)));
          lastKey = RESTORING_KEY;
          lastWrite = Date.now();
        }
      } else {
        seenRestoredAt = snapshot.restoredAt;
        openedIn ??= snapshot.status;
        if (num <= snapshot.serving) hub.pendingLookups.add(tid);
        const lookup = hub.lookups.get(tid);
        if (lookup === "") {
          // neither waiting nor admitted: gone, unless a restore kept this number for the fan
          const outcome = await retouch();
          if (outcome === "ended") return;
          if (outcome === null) {
            restoring = true;
            continue;
          }
        } else if (lookup !== undefined && lookup !== "w") {
          await write(admittedFrame(eventId, Number(lookup)));
          return;
        }
        if (openedIn === "prequeue" && snapshot.status !== "prequeue" && snapshot.status !== "soldout" && snapshot.status !== "closed") {
          // the opening drew new numbers: end the stream (spread over a few seconds) so the
          // client reconnects and reads its drawn number once
          await sleep(Math.random() * PREQUEUE_RECONNECT_SPREAD_MS);
          return;
        }
        // a read from before this fan was put back (or from after their turn came): the next one tells
        if (!sawWaiting(snapshot, num) && snapshot.status !== "soldout" && snapshot.status !== "closed") {
          if (Date.now() - lastWrite >= heartbeatMs) {
            await write(`: heartbeat ${Date.now()}\n\n`);
            lastWrite = Date.now();
          }
          continue;
        }
        const changed = hub.choices.get(tid);
        if (changed !== choiceSeen) {
          choiceSeen = changed;
          if (changed !== undefined) choice = parseChoice(changed);
        }
        const { lastUpdated: _at, ...line } = fanView(snapshot, eventId, num, hub.admitRate(), refresh);
        const view = { ...line, choice };
        const key = JSON.stringify(view);
        if (key !== lastKey) {
          await write(frame("position", { ...view, lastUpdated: new Date(snapshot.readAt ?? snapshot.at).toISOString() }, String(snapshot.at)));
          lastKey = key;
          lastWrite = Date.now();
        }
        if (snapshot.status === "soldout" || snapshot.status === "closed") {
          await write(closedFrame(eventId, snapshot.status));
          return;
        }
      }
      const now = Date.now();
      if (now - lastWrite >= heartbeatMs) {
        await write(`: heartbeat ${now}\n\n`);
        lastWrite = now;
      }
    }
  };

  run()
    .catch(() => {
      // the fan went away (the write failed): end this stream; the client reconnects
    })
    .finally(() => {
      hub.close(tid);
      writer.close().catch(() => {});
    });
  return new Response(readable, { headers });
}

/**
 * The stream of an infinite place: like a waiting fan's (the position at once, then when the
 * view changes, heartbeats, the end of the sale, the end after STREAM_MAX_SUBREQUESTS reads),
 * from the isolate's shared snapshot only, with its position frozen. Its ticket is never
 * touched nor kept present: no Redis key holds it.
 */
function infiniteStream(request: Request, env: Env, eventId: string, num: number, position: number): Response {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const write = (text: string) => writer.write(encoder.encode(text));
  const hub = hubFor(eventId);
  const { tickMs, heartbeatMs, streamMaxSubrequests } = config(env);
  const refresh = refreshIntervalSeconds(env);
  const usage = { subrequests: 2 };
  const away = whenGone(request, writer);
  const run = async () => {
    let lastKey = "";
    let lastWrite = 0;
    await write(`retry: ${RETRY_MS}\n\n`);
    for (let first = true; ; first = false) {
      if (!first) await Promise.race([sleep(tickMs), away.left]);
      if (away.gone || usage.subrequests >= streamMaxSubrequests) return;
      let snapshot: Snapshot | null = null;
      try {
        snapshot = await hub.ensureFresh(env, usage);
      } catch (e) {
        if (!(e instanceof SnapshotUnavailable)) throw e;
      }
      if (snapshot === null || snapshot.status === "restoring") {
        if (lastKey !== RESTORING_KEY) {
          await write(frame("restoring", restoringEvent(eventId)));
          lastKey = RESTORING_KEY;
          lastWrite = Date.now();
        }
      } else {
        const { lastUpdated: _at, ...view } = infiniteView(snapshot, eventId, num, position, hub.admitRate(), refresh);
        const key = JSON.stringify(view);
        if (key !== lastKey) {
          await write(frame("position", { ...view, lastUpdated: new Date(snapshot.readAt ?? snapshot.at).toISOString() }, String(snapshot.at)));
          lastKey = key;
          lastWrite = Date.now();
        }
        if (snapshot.status === "soldout" || snapshot.status === "closed") {
          await write(closedFrame(eventId, snapshot.status));
          return;
        }
      }
      if (Date.now() - lastWrite >= heartbeatMs) {
        await write(`: heartbeat ${Date.now()}\n\n`);
        lastWrite = Date.now();
      }
    }
  };
  run()
    .catch(() => {})
    .finally(() => writer.close().catch(() => {}));
  return new Response(readable, { headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no" } });
}

/**
 * Whether the fan went away (request.signal aborts, with the enable_request_signal flag; or
 * the response body was cancelled): `left` settles at once, so a stream's loop ends then and
 * not at its next write, which may be a heartbeat away, and a closed stream holds no memory.
 */
function whenGone(request: Request, writer: WritableStreamDefaultWriter<Uint8Array>): { readonly gone: boolean; left: Promise<void> } {
  let gone = false;
  const left = new Promise<void>((resolve) => {
    const leave = () => {
      gone = true;
      resolve();
    };
    request.signal?.addEventListener("abort", leave, { once: true });
    writer.closed.then(() => {}, leave);
  });
  return {
    get gone() {
      return gone;
    },
    left,
  };
}
