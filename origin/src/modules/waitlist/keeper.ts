/**
 * The waiting list's part of each scheduler tick, run by the event's leader (wired in
 * compose.ts as the scheduler's `leaderTick` hook, so the admission layer knows no feature):
 *   1. once a second, checks Redis against MySQL: the place counter is never below MySQL's
 *      highest place, and a list Redis lost is put back (restoreWaitlist), which also opens
 *      this Redis run to new entries;
 *   2. copies new entries to MySQL;
 *   3. while the sale is sold out, settles the offers (claimed, or passed once the claim
 *      window ran out: endOffer releases the seats), then offers the free seats to the
 *      entries in order, each to the first whose request they can serve (offerSeats holds
 *      the best group, as best available ranks them, and admits the entry's ticket); an entry
 *      that left an email address is mailed the offer (offer-mail.ts), queued on the turn
 *      email's mailer so the tick never waits on SMTP.
 * One run per event at a time; a tick that finds one running skips it.
 */
import { sessionIdFor } from "../../../../common/tokens.ts";
import type { QueueStatus } from "../../../../common/queue-state.ts";
import { EndOfferCode, OfferCode, RestoreWaitlistCode } from "../../../../lua/codes.ts";
import { redisScripts } from "../../../../lua/registry.ts";
import type { Deps } from "../../deps.ts";
import { randomId } from "../../lib/ids.ts";
import { runScript } from "../../redis/scripts.ts";
import type { CatalogEvent } from "../events/catalog.ts";
import { bestGroups } from "../holds/service.ts";
import { eventPageUrl, offerAddress, offerMail } from "./offer-mail.ts";
import { askText, highestPlace, insertEntries, listEntries, parseAsk, recordOffer, recordOutcome } from "./store.ts";

/** What the leader passes on each tick. */
export interface LeaderRun {
  token: string;
  status: QueueStatus;
  claimMs: number;
  now: number;
}

/** How often the leader checks Redis's list against MySQL. */
const CHECK_EVERY_MS = 1000;
/** Entries looked at per tick for an offer, from the head of the list. */
const ENTRIES_PER_TICK = 50;
/** Entries copied to MySQL per write. */
const COPY_BATCH = 500;

interface EventWaitlist {
  running: boolean;
  checkedAt: number;
  /** the highest place known to be in MySQL */
  copied: number;
  token: string | null;
}

/** Where the keeper reports what it did (the metrics feature's JSON log, wired in compose.ts). */
export type WaitlistLog = (level: "info" | "warn", msg: string, fields: Record<string, unknown>) => void;

export class WaitlistKeeper {
  private readonly events = new Map<string, EventWaitlist>();

  constructor(
    private readonly deps: Deps,
    private readonly log: WaitlistLog,
  ) {}

  /** Called by the leader on every tick of the event; never throws. */
  async tick(eventId: string, run: LeaderRun): Promise<void> {
    let s = this.events.get(eventId);
    if (!s) this.events.set(eventId, (s = { running: false, checkedAt: -Infinity, copied: 0, token: null }));
    if (s.running) return;
    s.running = true;
    try {
      // a new leadership checks at once: another leader may have copied or offered meanwhile
      if (s.token !== run.token || run.now - s.checkedAt >= CHECK_EVERY_MS || run.now < s.checkedAt) {
        if (!(await this.check(eventId, s, run))) return;
      }
      await this.copy(eventId, s, run.now);
      if (run.status === "soldout") {
        await this.settle(eventId, run);
        await this.offer(eventId, run, s.copied);
      }
    } catch (error) {
      this.log("warn", "waiting list tick failed", { event: eventId, error });
    } finally {
      s.running = false;
    }
  }

  /** Redis against MySQL: puts back what Redis lost and vouches for this Redis run. False when not leading. */
  private async check(eventId: string, s: EventWaitlist, run: LeaderRun): Promise<boolean> {
    const { redis, database } = this.deps;
    const k = (await this.deps.catalog.find(eventId))?.keys;
    if (!k) return false;
    const highest = await highestPlace(database.db, eventId);
    const seq = Number((await redis.get(k.waitlistSeq)) ?? 0);
    const args: Array<string | number> = [run.token, highest];
    if (seq < highest) {
      for (const row of await listEntries(database.db, eventId)) {
        const state = row.status === "claimed" || row.status === "passed" ? row.status : "waiting";
        args.push(row.ticketId, row.place, askText({ ticketId: row.ticketId, place: row.place, quantity: row.quantity, tier: row.tier, contact: row.contact }), state);
      }
    }
    const result = await runScript(redis, redisScripts.restoreWaitlist, { k }, args);
    if (result.code !== RestoreWaitlistCode.CHECKED) return false;
    if (result.restored > 0) this.log("info", "waiting list restored from MySQL", { event: eventId, entries: result.restored });
    // another leader may have copied places this instance never saw: MySQL says what it has
    s.copied = s.token === run.token ? Math.max(s.copied, highest) : highest;
    s.checkedAt = run.now;
    s.token = run.token;
    return true;
  }

  /** New entries (places above what MySQL has) into MySQL. */
  private async copy(eventId: string, s: EventWaitlist, now: number): Promise<void> {
    const { redis, database } = this.deps;
    const k = (await this.deps.catalog.get(eventId)).keys;
    const seq = Number((await redis.get(k.waitlistSeq)) ?? 0);
    if (seq <= s.copied) return;
    const tids = await redis.zrangebyscore(k.waitlist, `(${s.copied}`, "+inf", "LIMIT", 0, COPY_BATCH);
    if (tids.length === 0) {
      s.copied = seq;
      return;
    }
    const raw = await redis.hmget(k.waitlistAsks, ...tids);
    const asks = tids.map((tid, i) => (raw[i] ? parseAsk(tid, raw[i]!) : null)).filter((a) => a !== null);
    await insertEntries(database.db, eventId, asks, now);
    s.copied = tids.length < COPY_BATCH ? seq : Math.max(s.copied, ...asks.map((a) => a.place));
  }

  /** Every open offer: claimed, passed (seats released) or still open. */
  private async settle(eventId: string, run: LeaderRun): Promise<void> {
    const { redis, database, clock } = this.deps;
    const k = (await this.deps.catalog.get(eventId)).keys;
    const offers = await redis.hgetall(k.waitlistOffers);
    for (const [tid, value] of Object.entries(offers)) {
      const m = /^offer (\d+) (\S+) (\S+)$/.exec(value);
      if (!m) continue;
      const [, , holdId, seats] = m as unknown as [string, string, string, string];
      const seatIds = seats.split(",");
      const sid = await sessionIdFor(tid);
      const ids = { sessionId: sid, holdId, customerId: sid };
      const ended = await runScript(redis, redisScripts.endOffer, { k, ids, more: seatIds.map(k.seat) }, [run.token, tid, sid, holdId, clock.now(), ...seatIds]);
      if (ended.code === EndOfferCode.NOT_LEADER) return;
      if (ended.code === EndOfferCode.CLAIMED) await recordOutcome(database.db, eventId, tid, "claimed", clock.now());
      if (ended.code === EndOfferCode.PASSED) {
        await recordOutcome(database.db, eventId, tid, "passed", clock.now());
        this.log("info", "waiting list offer passed", { event: eventId, seats: ended.released });
      }
    }
  }

  /** The free seats to the first entries whose request they serve, in order. */
  private async offer(eventId: string, run: LeaderRun, copied: number): Promise<void> {
    const { redis, database, clock } = this.deps;
    const entry = await this.deps.catalog.get(eventId);
    if (entry.event.status !== "on_sale") return;
    const k = entry.keys;
    const head = await redis.zrange(k.waitlist, 0, ENTRIES_PER_TICK - 1);
    if (head.length === 0) return;
    const read = await this.deps.seatStates.read(entry);
    // seats offered in this tick are no longer free, whatever the (shared, recent) read says
    const states = [...read.states];
    if (!states.includes("available")) return;
    const raw = await redis.hmget(k.waitlistAsks, ...head);
    for (const [i, tid] of head.entries()) {
      const ask = raw[i] ? parseAsk(tid, raw[i]!) : null;
      // an entry is offered only once MySQL has it (it joined after this tick's copy: the next tick)
      if (!ask || ask.place > copied) continue;
      if (ask.tier !== null && !entry.tiers.some((t) => t.tier === ask.tier)) continue;
      const groups = bestGroups(entry, { states }, { quantity: ask.quantity, ...(ask.tier !== null ? { tier: ask.tier } : {}) });
      // nothing free serves this request: the seats go to the next entry they can serve
      if (groups.length === 0) continue;
      const sid = await sessionIdFor(tid);
      const holdId = randomId("hold");
      const seatArgs = groups.flat();
      const now = clock.now();
      const offered = await runScript(redis, redisScripts.offerSeats, { k, ids: { sessionId: sid, holdId, customerId: sid }, more: seatArgs.map(k.seat) }, [run.token, tid, sid, holdId, now, run.claimMs, ask.quantity, ...seatArgs]);
      if (offered.code === OfferCode.NOT_LEADER) return;
      // the read was older than a hold or sale since: read again on the next tick
      if (offered.code === OfferCode.NO_GROUP_FREE) return;
      if (offered.code !== OfferCode.OK) continue;
      const seatIds = groups[offered.group - 1]!;
      for (const id of seatIds) states[entry.seats.findIndex((seat) => seat.seatId === id)] = "held";
      await recordOffer(database.db, eventId, tid, now, offered.deadline, seatIds);
      this.log("info", "waiting list offer", { event: eventId, place: ask.place, seats: seatIds.length });
      this.mailOffer(entry, ask.contact, seatIds, offered.deadline);
      if (!states.includes("available")) return;
    }
  }

  /** Queues the offer's one mail when the entry left an address and SMTP is set; nothing awaited. */
  private mailOffer(entry: CatalogEvent, contact: string | null, seatIds: string[], deadline: number): void {
    const to = offerAddress(contact);
    const { turnMailer, config } = this.deps;
    if (!to || !turnMailer || !config.mail) return;
    const { timeZone } = config.mail;
    const link = eventPageUrl(config.edgePublicUrl, entry.event.id);
    const seats = seatIds.map((id) => entry.seatById.get(id)).filter((seat) => seat !== undefined);
    turnMailer.compose(entry.event.id, deadline, (eventName, now) => offerMail({ to, link, eventName, seats, deadline, now, timeZone }));
  }
}
