/**
 * The turn email, end to end on real Redis and a real local SMTP server: a fan leaves an
 * address on the waiting page's JSON API, the scheduler admits them (its tick hands the
 * admitted tickets to the origin's mailer, as compose.ts wires it), the mail arrives with a
 * link, and the link claims the turn through the Worker, once, within the claim window,
 * only for its event. The tick never waits for SMTP.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";

setDefaultTimeout(30_000);
import { eventKeys } from "../../common/keys.ts";
import { sessionIdFor } from "../../common/tokens.ts";
import { TurnMailer } from "../../origin/src/modules/turn-mail/service.ts";
import { smtpTransport, type MailTransport } from "../../origin/src/modules/turn-mail/transport.ts";
import { ManualClock, newScheduler, testSchedulerConfig } from "../../origin/test/admission/support.ts";
import { startSmtp, type LocalSmtp } from "../../test/kit/smtp.ts";
import { systemClock } from "../../origin/src/lib/clock.ts";
import { turnLinkCode } from "../src/turn-link.ts";
import { useEdgeWorker } from "./helpers/fixture.ts";
import { redis } from "./helpers/redis.ts";
import { call } from "./helpers/worker.ts";

const edge = useEdgeWorker({ TICK_MS: "100" });
let smtp: LocalSmtp;
let transport: MailTransport;
let mailer: TurnMailer;
const sentByEvent = new Map<string, number>();

beforeAll(async () => {
  smtp = await startSmtp();
  transport = smtpTransport({ host: "127.0.0.1", port: smtp.port, secure: false, user: null, password: null, from: "Concert-U <tickets@localhost>", concurrency: 8, retries: 3, timeZone: "UTC" });
  mailer = new TurnMailer({
    redis,
    clock: systemClock,
    send: (m) => transport.send(m),
    concurrency: 8,
    retries: 3,
    retryDelayMs: 50,
    timeZone: "UTC",
    eventName: async () => "Test Concert",
    sent: (event) => sentByEvent.set(event, (sentByEvent.get(event) ?? 0) + 1),
  });
});
afterAll(async () => {
  mailer.stop();
  transport.close();
  await smtp.stop();
});

type Jar = Map<string, string>;

async function joinFan(eventId: string, ip: string) {
  const jar: Jar = new Map();
  const res = await call(edge.env, `/queue/${eventId}/join`, { method: "POST", jar, ip });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { ticket: string };
  return { jar, tid: JSON.parse(Buffer.from(body.ticket.split(".")[1]!, "base64url").toString()).tid as string };
}

const leave = (eventId: string, jar: Jar, body: unknown, ip = "198.51.100.9") =>
  call(edge.env, `/queue/${eventId}/notify`, { method: "POST", jar, ip, headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });

/** A scheduler whose ticks feed the mailer, as compose.ts wires them; its clock starts now and moves only when told. */
function scheduler(eventId: string) {
  const clock = new ManualClock(Date.now());
  const s = newScheduler(redis, clock, [eventId], testSchedulerConfig({ presenceGraceMs: 3_600_000 }), {
    observer: { tick: (e, r) => r.admittedTickets.length > 0 && mailer.admitted(e, r.admittedTickets.map((t) => t.ticketId), r.deadline) },
  });
  return { clock, tick: () => s.tickEvent(eventId) };
}

/** Ticks until the budget admits (the first tick only starts the budget). */
async function admitAll(s: ReturnType<typeof scheduler>) {
  await s.tick();
  s.clock.advance(400);
  const t0 = performance.now();
  const r = await s.tick();
  return { admitted: r!.admitted, ms: performance.now() - t0 };
}

const linkOf = (text: string) => /http:\/\/localhost:8787(\/queue\/\S+\/turn\/\S+)/.exec(text)?.[1] ?? "";

describe("the turn email", () => {
  test("a fan who left an address gets exactly one mail when admitted; its link claims the turn and opens the sale; a second use is refused", async () => {
    const eventId = await edge.freshEvent("mail-one", { rate: 1000, maxActive: 100_000, claimSeconds: 180 });
    const fan = await joinFan(eventId, "198.51.100.1");
    const left = await leave(eventId, fan.jar, { email: "fan@example.com" });
    expect(left.status).toBe(202);
    // the address waits with the place, expiring with it
    expect(await redis.hexists(eventKeys(eventId).turnMail, fan.tid)).toBe(1);
    expect(await redis.pttl(eventKeys(eventId).turnMail)).toBeGreaterThan(0);

    const before = smtp.mails.length;
    const s = scheduler(eventId);
    expect((await admitAll(s)).admitted).toBe(1);
    await mailer.idle();
    const mails = smtp.mails.slice(before);
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    expect(mail.to).toEqual(["fan@example.com"]);
    expect(mail.subject).toMatch(/^It is your turn: claim within (2|3) minutes \(until \d\d:\d\d UTC\)$/);
    expect(mail.text).toContain("It is your turn for Test Concert.");
    expect(mail.text).toContain("The link works once");
    // the address is gone from Redis once taken for the mail
    expect(await redis.hexists(eventKeys(eventId).turnMail, fan.tid)).toBe(0);

    const link = linkOf(mail.text);
    expect(link).toStartWith(`/queue/${eventId}/turn/`);
    // opening the link asks first and claims nothing
    const page = await call(edge.env, link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Claim my turn");
    expect(await redis.zscore(eventKeys(eventId).admitted, fan.tid)).not.toBeNull();

    // on another device (no cookies): the claim gives the active session and the sale
    const phone: Jar = new Map();
    const claimed = await call(edge.env, link, { method: "POST", jar: phone });
    expect(claimed.status).toBe(200);
    expect(await claimed.json()).toMatchObject({ eventId, redirect: `/events/${eventId}` });
    const sale = await call(edge.env, `/events/${eventId}`, { jar: phone });
    expect(await sale.text()).toContain("Choose your seats");

    const again = await call(edge.env, link, { method: "POST", jar: new Map() });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: "TURN_LINK_USED" });
    const usedPage = await call(edge.env, link);
    expect(usedPage.status).toBe(409);
    expect(await usedPage.text()).toContain("This link was used already");

    // later ticks mail nobody again
    s.clock.advance(400);
    await s.tick();
    await mailer.idle();
    expect(smtp.mails.length).toBe(before + 1);
  });

  test("after the claim window the link shows a clear page and claims nothing", async () => {
    const eventId = await edge.freshEvent("mail-late", { rate: 1000, maxActive: 100_000 });
    const fan = await joinFan(eventId, "198.51.100.2");
    expect((await leave(eventId, fan.jar, { email: "late@example.com" })).status).toBe(202);
    const before = smtp.mails.length;
    await admitAll(scheduler(eventId));
    await mailer.idle();
    const link = linkOf(smtp.mails[before]!.text);
    // the claim window passed: the deadline set a second back, as if the fan read the mail too late
    await redis.zadd(eventKeys(eventId).admitted, "XX", Date.now() - 1000, fan.tid);
    const page = await call(edge.env, link);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain("The claim window has passed");
    const late = await call(edge.env, link, { method: "POST" });
    expect(late.status).toBe(410);
    expect(await late.json()).toMatchObject({ code: "CLAIM_EXPIRED" });
    expect(await redis.zscore(eventKeys(eventId).active, await sessionIdFor(fan.tid))).toBeNull();
  });

  test("a link of another event, or a forged one, is refused", async () => {
    const eventId = await edge.freshEvent("mail-forged", { rate: 1000, maxActive: 100_000 });
    const other = await edge.freshEvent("mail-other", { rate: 1000, maxActive: 100_000 });
    const fan = await joinFan(eventId, "198.51.100.3");
    await admitAll(scheduler(eventId));
    const code = await turnLinkCode(edge.env, eventId, fan.tid, "a");
    // the other event's path
    const elsewhere = await call(edge.env, `/queue/${other}/turn/${code}`, { method: "POST" });
    expect(elsewhere.status).toBe(404);
    expect(await elsewhere.json()).toMatchObject({ code: "TURN_LINK_INVALID" });
    expect((await call(edge.env, `/queue/${other}/turn/${code}`)).status).toBe(404);
    // a signature changed, a mode changed, a resume code, nonsense
    const [tid, , sig] = code.split(".") as [string, string, string];
    for (const forged of [`${tid}.a.${sig.slice(0, -1)}${sig.endsWith("A") ? "B" : "A"}`, `${tid}.d.${sig}`, `${tid}.${sig}`, "nonsense"]) {
      const res = await call(edge.env, `/queue/${eventId}/turn/${forged}`, { method: "POST" });
      expect(res.status, forged).toBe(404);
    }
    // none of it claimed the turn
    expect(await redis.zscore(eventKeys(eventId).admitted, fan.tid)).not.toBeNull();
  });

  test("200 fans with addresses admitted in one tick all get their mail; the tick does not wait for SMTP", async () => {
    const eventId = await edge.freshEvent("mail-crowd", { rate: 1000, maxActive: 100_000 });
    const fans = await Promise.all(Array.from({ length: 200 }, (_, i) => joinFan(eventId, `203.0.113.${i + 1}`)));
    const saved = await Promise.all(fans.map((f, i) => leave(eventId, f.jar, { email: `fan${i}@example.com` }, `203.0.113.${i + 1}`)));
    expect(saved.map((r) => r.status)).toEqual(fans.map(() => 202));
    const before = smtp.mails.length;
    smtp.delayMs = 40; // a slow provider: 200 mails take over a second at 8 at once
    try {
      const { admitted, ms } = await admitAll(scheduler(eventId));
      expect(admitted).toBe(200);
      // the tick came back before the first mail was accepted
      expect(smtp.mails.length).toBe(before);
      expect(ms).toBeLessThan(1000);
      await smtp.received(before + 200);
      await mailer.idle();
    } finally {
      smtp.delayMs = 0;
    }
    const to = smtp.mails.slice(before).flatMap((m) => m.to).sort();
    expect(to).toEqual(fans.map((_, i) => `fan${i}@example.com`).sort());
    expect(sentByEvent.get(eventId)).toBe(200);
  });

  test("a mail the server refuses for a while is tried again and arrives once", async () => {
    const eventId = await edge.freshEvent("mail-retry", { rate: 1000, maxActive: 100_000 });
    const fan = await joinFan(eventId, "198.51.100.4");
    expect((await leave(eventId, fan.jar, { email: "retry@example.com" })).status).toBe(202);
    const before = smtp.mails.length;
    smtp.failNext(2);
    await admitAll(scheduler(eventId));
    await mailer.idle();
    expect(smtp.mails.slice(before).map((m) => m.to)).toEqual([["retry@example.com"]]);
  });

  test("a bad address or body is a 400 JSON; no ticket is a 401; the answer never says whether an address was known", async () => {
    const eventId = await edge.freshEvent("mail-bad", { rate: 1000, maxActive: 100_000 });
    const fan = await joinFan(eventId, "198.51.100.5");
    for (const body of [{ email: "not-an-address" }, { email: "a@b" }, { email: "two@@example.com" }, { email: `${"x".repeat(250)}@example.com` }]) {
      const res = await leave(eventId, fan.jar, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await res.json()).toMatchObject({ code: "INVALID_EMAIL" });
    }
    for (const body of ["", "{", "[]", '{"email": 5}', '{"email": "a@example.com", "more": 1}', JSON.stringify({ email: "y".repeat(2000) })]) {
      const res = await leave(eventId, fan.jar, body);
      expect(res.status, body).toBe(400);
      expect(await res.json()).toMatchObject({ code: "INVALID_BODY" });
    }
    expect((await leave(eventId, new Map(), { email: "a@example.com" })).status).toBe(401);
    const first = await leave(eventId, fan.jar, { email: "first@example.com" });
    const second = await leave(eventId, fan.jar, { email: "second@example.com" });
    expect(second.status).toBe(first.status);
    expect(await second.json()).toEqual(await first.json());
    expect(JSON.parse((await redis.hget(eventKeys(eventId).turnMail, fan.tid))!)).toMatchObject({ to: "second@example.com" });
  });

  test("addresses are limited per ticket", async () => {
    const eventId = await edge.freshEvent("mail-limit", { rate: 1000, maxActive: 100_000 });
    const fan = await joinFan(eventId, "198.51.100.6");
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => leave(eventId, fan.jar, { email: `n${i}@example.com` }, `192.0.2.${i + 1}`)));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(5);
  });
});
