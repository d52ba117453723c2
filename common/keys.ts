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
    /** string: the hold id currently holding this seat; `SET NX PX` (PX = hold expiry) */
    seat: (seatId: string) => `${p}seat:${seatId}`,
    /** hash: `sid`, `seats`, `expiresAt` (and `purchase` = order id while it is being bought) of one hold; outlives its seats by 2 s so the owner check always works */
    hold: (holdId: string) => `${p}hold:${holdId}`,
    /** zset: seat id -> hold expiry (ms) of the seats one session holds; enforces the per-session seat limit */
    sessionSeats: (sessionId: string) => `${p}sess:${sessionId}:seats`,
    /**
     * zset: seat id -> hold expiry (ms), or inf once sold, of the seats one customer holds or
     * bought in the event, across all their sessions and orders; enforces the per-customer
     * limit (`customerLimit` in `config`). The customer is the identity's hash in the active
     * token, or the session id without one. Expires with its last hold while it names no
     * sold seat; a refund takes its seats out; rebuilt from MySQL with `sold`.
     */
    customerSeats: (customerId: string) => `${p}cust:${customerId}:seats`,
    /** set: seat ids sold in MySQL; rebuilt from MySQL when the origin starts */
    sold: `${p}sold`,
    /** zset: session id -> session expiry (ms); an active (admitted and claimed) fan, while its score is in the future */
    active: `${p}active`,
    /** hash: event settings the hot path needs (`perOrderLimit`, `holdSeconds`, and `customerLimit` when the event has one) */
    config: `${p}config`,
    /** string: ticket counter (INCR), gives arrival order */
    seq: `${p}seq`,
    /** zset: waiting ticket id -> queue number (arrival order) */
    queue: `${p}queue`,
    /** zset: waiting ticket id -> last seen (ms); presence: tickets not seen within the grace period have left */
    seen: `${p}seen`,
    /** string: the serving pointer: the highest queue number the scheduler has passed */
    serving: `${p}serving`,
    /** zset: admitted ticket id -> claim deadline (ms); a claim removes it (single use) */
    admitted: `${p}admitted`,
    /** hash: queue status and settings shared by edge and scheduler (status, rate, maxActive, ...) and what the waiting room shows (eventName, venue, startsAt); after a loss also `restoredAt`, `restoreKind`, `restores`, `lostTotal`, `replacedTotal`; `vouchedRun` (the Redis run id the leader checked the line on) and `ahead` (a ticket number beyond the counter, until the restore) */
    queueState: `${p}queue:state`,
    /** zset: queue numbers of fans who left while waiting (score = member = number), above the serving pointer (trimmed below it) */
    gone: `${p}gone`,
    /**
     * zset: queue numbers a restore found without a waiting ticket after Redis lost the line
     * (score = member = number); also in `gone`, so they count as nobody ahead. A fan who comes
     * back with a valid ticket of such a number is put back at it, once (join, touch). Not
     * trimmed by the pointer; expires with the restore's grace.
     */
    lost: `${p}lost`,
    /** zset: proof-of-work solutions already spent on a new place (solution id -> until when it stays spent, ms); joinQueue trims the past ones, so a solution buys one place, once */
    challengeUsed: `${p}challenge:used`,
    /** zset: old ticket id -> when (ms) its waiting place moved to another device through the resume link (movePlace); its device is told, and no longer holds the place; kept a day */
    moved: `${p}moved`,
    /** hash: waiting ticket id -> the turn email to send when it is admitted (JSON: `to`, `link`, `lang`), left by the fan on the waiting page; the leader takes an entry as it mails it (takeTurnAddresses), and the hash expires with the newest ticket (docs/COME-BACK.md, "The turn email") */
    turnMail: `${p}turnmail`,
    /** zset: admitted ticket id -> the claim deadline its one extension gave (ms; extendClaim): a ticket is extended once; trimmed a day after */
    claimExtensions: `${p}claim:ext`,
    /** hash: what a fan declared they want at their turn, `<quantity>|<tier>|<maxPriceCents>` (tier and cap may be empty), by waiting ticket id (declareChoice), moved to the session id at the claim (claimTurn); the seat budgets count it (admitFans); a dropped ticket's entry is deleted, the rest go with the event */
    choices: `${p}choices`,
    /** zset: waiting ticket id -> when (ms) its declared choice last changed (declareChoice); each edge isolate's shared read hands the new choice to that ticket's open streams; trimmed to the last minute */
    choiceChanges: `${p}choices:changed`,
    /** list: claim log, `<ticketId> <sessionId> <session expiry ms>` per claim, oldest first; the scheduling leader copies it to MySQL (`admissions`) and pops what it wrote */
    claimLog: `${p}claims`,
    /** (ratelimit): prefix of the @upstash/ratelimit keys of one of the edge's limiters: `join` (per IP), `ticket`, `admin` (per IP), `code` (per IP), `mail` (the turn email: per ticket and per IP) */
    rateLimit: (kind: string) => `${p}rl:${kind}`,
    /** string: a device-bound proof (DPoP) already used on a claim or a changing /api call, by key thumbprint and `jti`; `SET NX PX` = the proof window, so a replay within it is refused (edge/src/dpop.ts) */
    proof: (jkt: string, jti: string) => `${p}proof:${jkt}:${jti}`,
    /** string: idempotency record of a purchase, per session and `Idempotency-Key`: `{state: pending}` while it runs, then the first outcome (status + body); 24 h */
    idempotency: (sessionId: string, key: string) => `${p}idem:${sessionId}:${key}`,
    /** string: fencing token `<instance>:<epoch>` of the origin instance scheduling this event; `PX` = `ADMISSION_LEASE_MS` */
    schedulerLease: `${p}sched:lease`,
    /** string: lease epoch, `INCR` on every new leader, so every leadership has a token of its own */
    schedulerEpoch: `${p}sched:epoch`,
    /** hash: second (epoch s) -> fans admitted in it, last minute only; `since` = start of the window (ms): the measured admission rate */
    admits: `${p}admits`,
    /** list: recent purchase request latencies `<atMs>:<ms>` (the whole endpoint) from every origin instance, newest first, 5,000 kept: the dashboard's purchase p95 */
    purchaseLatency: `${p}lat:purchase`,
    /** list: recent purchase database transaction latencies `<atMs>:<ms>` (the order insert, connection wait included) from every origin instance, newest first, 5,000 kept: what adaptive mode steers by */
    purchaseDbLatency: `${p}lat:purchase-db`,
    /** list: organiser dashboard samples, JSON, one a second from the scheduling leader, newest first, 600 kept (10 minutes); expires an hour after the last */
    dashboard: `${p}dash`,
    /** hash: one access code, keyed by its hash (common/access.ts): `id`, `uses`, `used`, `tier`, `from`, `until` (ms, 0 = none); written by the origin from MySQL, `used` raised by each redemption */
    accessCode: (codeHash: string) => `${p}code:${codeHash}`,
    /** hash: queue ticket id -> id of the access code that gave it its place; a ticket redeems once */
    accessCodeTickets: `${p}codes:tickets`,
    /** string: when (ms) the origin last wrote every access code of the event from MySQL; absent (Redis lost it, or never written): a code missing from Redis is asked of the origin */
    accessCodesPublished: `${p}codes:published`,
    /** zset: session id -> session expiry (ms) of the staff sessions a bypass rule gave (also in `active`, where every seat script finds them); the scheduler does not count them against maxActive, so staff never take a fan's slot */
    staff: `${p}staff`,
    /** string: the event's enabled bypass rules as JSON (common/bypass.ts), written by the origin from MySQL on every change; the edge caches it per isolate (edge/src/bypass-rules.ts) */
    bypassRules: `${p}bypass:rules`,
    /** hash: bypass rule id -> requests it let through, counted by the edge; read by the admin API and the dashboard */
    bypassUses: `${p}bypass:uses`,
    /** hash: the organiser's page templates, kind (common/page-template.ts: waiting, prequeue, paused, soldout, closed) for the default page, or kind:lang (`paused:ko`) for one language's -> sanitised HTML; written by the origin from MySQL, read by the edge for each fan page */
    pageTemplates: `${p}pages`,
    /** zset: waiting-list ticket id -> place (the order fans joined the waiting list in, after sell-out or when the line stopped); an entry leaves it when it is offered seats */
    waitlist: `${p}wl`,
    /** string: the waiting list's place counter (INCR), restored from MySQL (`waitlist_entries`) after a loss */
    waitlistSeq: `${p}wl:seq`,
    /** hash: waiting-list ticket id -> `<place>|<quantity>|<tier>|<contact>`, every entry ever made (one per ticket); the leader copies new ones to MySQL */
    waitlistAsks: `${p}wl:asks`,
    /** hash: waiting-list ticket id -> `offer <claim deadline ms> <hold id> <seat,ids>` while seats are offered to it, then `claimed` or `passed` */
    waitlistOffers: `${p}wl:offers`,
    /**
     * hash: identity (`email:<hash>` or `passkey:<hash>`, docs/IDENTITY.md) -> the ticket id of
     * the place it holds in this line; joinQueue refuses a second place while that ticket
     * waits or is admitted, and a place that ended frees it (the entry is then stale and
     * overwritten by the identity's next place)
     */
    identities: `${p}identities`,
    /** hash: one address's one-time code: `code` (its HMAC, never the code), `tries`, `until` (ms); expires with the code */
    identityCode: (subject: string) => `${p}id:code:${subject}`,
    /** string: a counter of identity requests in one window (`ip:<ip>` or `email:<hash>`, per kind); expires with the window */
    identityLimit: (kind: string, who: string) => `${p}id:rl:${kind}:${who}`,
    /** string: a WebAuthn ceremony's challenge and what it is for (JSON); single use, expires with the ceremony */
    identityCeremony: (ceremonyId: string) => `${p}id:ceremony:${ceremonyId}`,
    /** zset: (dev only) session id -> expiry (ms) of the sessions `bun run token:mint` registered, so `--clean` can end them; expires with the longest */
    devSessions: `${p}dev`,
  };
}

/** Keys that belong to no single event (never touched by a script together with event keys). */
export const globalKeys = {
  /** set: ids of events whose waiting room the scheduler drives */
  queues: "cu:queues",
  /**
   * string: when (ms) an origin's scheduler last went over every waiting room on this Redis,
   * restoring any it had lost. With neither it nor `cu:queues`, Redis lost everything and no
   * scheduler has been through it since (or none ever ran), so an event without queue state
   * is being restored, not unknown.
   */
  scheduled: "cu:scheduled",
  /** string: the rooms' routing table (JSON, common/room-routes.ts): covered events and path prefixes -> the room whose line they are in; written by the origin from MySQL on every change, read by the edge and the origin (cached a few seconds) */
  roomRoutes: "cu:rooms:routes",
  /** hash: measured purchase capacity of one environment: `tps`, `measuredAt`, `json` (kind, levels, method, the other kind measured in `compared`) */
  capacity: (environment: string) => `cu:capacity:${environment}`,
};

export type EventKeys = ReturnType<typeof eventKeys>;
