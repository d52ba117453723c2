/**
 * The turn email's sender (docs/COME-BACK.md, "The turn email"). The scheduler's tick hands
 * over the tickets it just admitted (`admitted`, which only queues them and returns), so
 * the tick never waits on Redis or SMTP for mail; off the tick, the mails those tickets' fans
 * left are taken from Redis (takeTurnAddresses-1.lua, which deletes what it answers, so an
 * admission mails once) and sent over SMTP, a bounded number at a time. A failed send is
 * tried again a bounded number of times, later each time and never after its claim window;
 * what is given up on is logged and counted in /metrics. The waiting list's offer email
 * (modules/waitlist/offer-mail.ts) goes through the same queue, sends and retries (`compose`).
 */
import type Redis from "ioredis";
import { eventKeys } from "../../../../common/keys.ts";
import { redisScripts } from "../../../../lua/registry.ts";
import type { Clock } from "../../lib/clock.ts";
import { runScript } from "../../redis/scripts.ts";
import { turnMail, type TurnMail } from "./message.ts";

export interface TurnMailerOptions {
  redis: Redis;
  clock: Clock;
  /** sends one mail over SMTP; rejects when the server did not take it */
  send: (mail: TurnMail) => Promise<void>;
  /** sends at once */
  concurrency: number;
  /** tries after the first failed one */
  retries: number;
  timeZone: string;
  /** the event's name for the mail (the id when unknown) */
  eventName: (eventId: string) => Promise<string | null>;
  /** first retry after this (ms), doubling each time */
  retryDelayMs?: number;
  sent?: (eventId: string) => void;
  retried?: (eventId: string) => void;
  failed?: (eventId: string, reason: string) => void;
  /** where a warning goes (the JSON log) */
  warn?: (message: string, fields: Record<string, unknown>) => void;
}

/** Writes a mail once the event's name is known, at `now` (ms). */
export type ComposeMail = (eventName: string, now: number) => TurnMail;

type Job =
  | { kind: "take"; eventId: string; tids: string[]; deadline: number }
  | { kind: "compose"; eventId: string; compose: ComposeMail; deadline: number }
  | { kind: "send"; eventId: string; mail: TurnMail; deadline: number; attempt: number };

/** ids per takeTurnAddresses call: one tick's admissions are rarely more */
const TAKE_BATCH = 500;
/** mails waiting to be sent, at most: beyond, a mail is given up on (counted) rather than the origin's memory */
const MAX_QUEUED = 100_000;

export class TurnMailer {
  private readonly queue: Job[] = [];
  private running = 0;
  private timers = new Set<ReturnType<typeof setTimeout>>();
  private waiters: Array<() => void> = [];

  constructor(private readonly o: TurnMailerOptions) {}

  /** The tickets a tick admitted, with their claim deadline: queued for mail, nothing awaited. */
  admitted(eventId: string, tids: string[], deadline: number): void {
    for (let i = 0; i < tids.length; i += TAKE_BATCH) this.queue.push({ kind: "take", eventId, tids: tids.slice(i, i + TAKE_BATCH), deadline });
    this.pump();
  }

  /** One more mail, written off the tick and sent like a turn email until `deadline`: queued, nothing awaited. */
  compose(eventId: string, deadline: number, compose: ComposeMail): void {
    if (this.queue.length >= MAX_QUEUED) return this.giveUp(eventId, "the send queue is full");
    this.queue.push({ kind: "compose", eventId, compose, deadline });
    this.pump();
  }

  /** Resolves once nothing is queued, being sent or waiting to be tried again. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Drops the retries still waiting (at shutdown); sends under way finish. */
  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.settle();
  }

  private isIdle(): boolean {
    return this.queue.length === 0 && this.running === 0 && this.timers.size === 0;
  }

  private settle(): void {
    if (!this.isIdle()) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private pump(): void {
    while (this.running < this.o.concurrency && this.queue.length > 0) {
      const job = this.queue.shift()!;
      this.running++;
      void this.run(job).finally(() => {
        this.running--;
        this.pump();
        this.settle();
      });
    }
  }

  private async run(job: Job): Promise<void> {
    if (job.kind === "take") return this.take(job);
    if (job.kind === "compose") {
      const eventName = (await this.o.eventName(job.eventId).catch(() => null)) ?? job.eventId;
      this.queue.push({ kind: "send", eventId: job.eventId, deadline: job.deadline, attempt: 0, mail: job.compose(eventName, this.o.clock.now()) });
      return;
    }
    const { eventId, mail, deadline, attempt } = job;
    if (this.o.clock.now() >= deadline) return this.giveUp(eventId, "claim window passed before the mail went out");
    try {
      await this.o.send(mail);
      this.o.sent?.(eventId);
    } catch (error) {
      if (attempt >= this.o.retries) return this.giveUp(eventId, error instanceof Error ? error.message : String(error));
      this.o.retried?.(eventId);
      const delay = (this.o.retryDelayMs ?? 1000) * 2 ** attempt;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.queue.push({ ...job, attempt: attempt + 1 });
        this.pump();
        this.settle();
      }, delay);
      this.timers.add(timer);
    }
  }

  private async take(job: Extract<Job, { kind: "take" }>): Promise<void> {
    let taken: Array<{ tid: string; mail: string }>;
    try {
      taken = await runScript(this.o.redis, redisScripts.takeTurnAddresses, { k: eventKeys(job.eventId) }, job.tids);
    } catch (error) {
      // the addresses stay in Redis until the hash expires; these fans are told by their page
      this.o.warn?.("turn email addresses could not be read", { event: job.eventId, tickets: job.tids.length, error });
      return;
    }
    if (taken.length === 0) return;
    const eventName = (await this.o.eventName(job.eventId).catch(() => null)) ?? job.eventId;
    const now = this.o.clock.now();
    for (const { mail } of taken) {
      let left: { to?: unknown; link?: unknown; lang?: unknown };
      try {
        left = JSON.parse(mail);
      } catch {
        left = {};
      }
      if (typeof left.to !== "string" || typeof left.link !== "string") {
        this.giveUp(job.eventId, "the address kept was not readable");
        continue;
      }
      if (this.queue.length >= MAX_QUEUED) {
        this.giveUp(job.eventId, "the send queue is full");
        continue;
      }
      const lang = typeof left.lang === "string" ? left.lang : "en";
      this.queue.push({ kind: "send", eventId: job.eventId, deadline: job.deadline, attempt: 0, mail: turnMail({ to: left.to, link: left.link, lang, eventName, deadline: job.deadline, now, timeZone: this.o.timeZone }) });
    }
  }

  private giveUp(eventId: string, reason: string): void {
    this.o.failed?.(eventId, reason);
    this.o.warn?.("turn email not sent", { event: eventId, reason });
  }
}
