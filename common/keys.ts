/**
 * The one Redis key builder. Every key of an event is shaped `cu:{<eventId>}:<what>`
 * so that all of an event's keys share one Redis Cluster hash slot and any script
 * may touch them together. Lua scripts never build keys: callers pass them in KEYS.
 */
export const EVENT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function eventKeys(eventId: string) {
  if (!EVENT_ID_PATTERN.test(eventId)) throw new Error(`invalid event id: ${JSON.stringify(eventId)}`);
  const p = `cu:{${eventId}}:`;
  return {
    /** string: the hold id holding this seat; set NX with PX = hold expiry */
    seat: (seatId: string) => `${p}seat:${seatId}`,
    /** hash: { sid, seats, expiresAt } of one hold; same expiry as its seat keys */
    hold: (holdId: string) => `${p}hold:${holdId}`,
    /** zset: seatId -> hold expiry (ms) for one session; enforces the per-session seat limit */
    sessionSeats: (sessionId: string) => `${p}sess:${sessionId}:seats`,
    /** set: seat ids sold in MySQL (rebuilt from MySQL at start) */
    sold: `${p}sold`,
    /** zset: sessionId -> session expiry (ms); a session is active while its score is in the future */
    active: `${p}active`,
    /** hash: event settings the hot path needs (perOrderLimit, holdSeconds, ...) */
    config: `${p}config`,
    /** string: monotonic ticket counter (INCR) */
    seq: `${p}seq`,
    /** zset: waiting ticketId -> queue number (arrival order) */
    queue: `${p}queue`,
    /** zset: waiting ticketId -> last seen (ms); tickets not seen within the grace period have left */
    seen: `${p}seen`,
    /** string: highest queue number the scheduler has passed (the serving pointer) */
    serving: `${p}serving`,
    /** zset: admitted ticketId -> claim deadline (ms); a claim removes the ticket (single use) */
    admitted: `${p}admitted`,
    /** hash: queue status and counters shared by edge and scheduler (status, rate, maxActive, ...), and what the waiting room shows (eventName, venue, startsAt) */
    queueState: `${p}queue:state`,
    /** zset: queue numbers of tickets that left while waiting (score = member = number); trimmed below the serving pointer */
    gone: `${p}gone`,
    /**
     * zset: queue numbers a restore found without a ticket after Redis lost the line (score =
     * member = number); also in `gone`, so they count as nobody ahead. A fan who comes back
     * with a valid ticket of such a number is put back at it, once. Expires with the restore's grace.
     */
    lost: `${p}lost`,
    /** list: claims not yet copied to MySQL, `<ticketId> <sessionId> <session expiry ms>`, oldest first; the scheduling leader copies and pops them */
    claimLog: `${p}claims`,
    /** prefix of the @upstash/ratelimit keys of one limiter (`join`, `ticket`) */
    rateLimit: (kind: string) => `${p}rl:${kind}`,
    /** string: idempotency record of a purchase, per session and key */
    idempotency: (sessionId: string, key: string) => `${p}idem:${sessionId}:${key}`,
    /** string: fencing token `<instance>:<epoch>` of the origin instance scheduling this event; PX = lease */
    schedulerLease: `${p}sched:lease`,
    /** string: lease epoch (INCR on every new leader), so each leadership has a token of its own */
    schedulerEpoch: `${p}sched:epoch`,
    /** hash: second (epoch s) -> fans admitted in it, over the last minute; `since` = start of the window (ms) */
    admits: `${p}admits`,
    /** list: recent purchase request latency samples `<atMs>:<latencyMs>` (the whole endpoint), newest first, capped */
    purchaseLatency: `${p}lat:purchase`,
    /** list: recent purchase database transaction latency samples `<atMs>:<latencyMs>` (what adaptive mode steers by), newest first, capped */
    purchaseDbLatency: `${p}lat:purchase-db`,
    /** list: organiser dashboard samples (JSON, one a second from the scheduling leader), newest first, capped at 600 */
    dashboard: `${p}dash`,
    /** zset: sessionId -> expiry (ms) of the sessions `bun run token:mint` registered (dev only), so `--clean` can end them */
    devSessions: `${p}dev`,
  };
}

/** Keys that belong to no single event (never touched by a script together with event keys). */
export const globalKeys = {
  /** set: ids of events that have a waiting room the scheduler drives */
  queues: "cu:queues",
  /**
   * string: when (ms) an origin's scheduler last went over every waiting room on this Redis,
   * restoring any it had lost. Missing: Redis lost everything and no scheduler has been
   * through it since (or none ever ran), so an event without queue state may be one being
   * restored rather than one with no waiting room.
   */
  scheduled: "cu:scheduled",
  /** hash: the database's measured purchase capacity in one environment (tps, how and when measured) */
  capacity: (environment: string) => `cu:capacity:${environment}`,
};

export type EventKeys = ReturnType<typeof eventKeys>;
