/**
 * The identity step, through the production Worker in workerd (the JoinBatcher bound), the
 * Upstash bridge, the real origin, MySQL and a real local SMTP server: a sale that asks an
 * email refuses a new place without a proof, sends a six-digit code that verifies once and
 * is refused wrong, expired or past its tries; the proof's identity is bound into the ticket
 * and the session (never the address); one identity holds one place however many joins race
 * for it, gets one again once its place ended, and its sessions share the tickets per
 * customer under a race of holds.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import Redis from "ioredis";
import mysql from "mysql2/promise";
import { eventKeys } from "../../common/keys.ts";
import type { TestBridge } from "../../test/kit/bridge.ts";
import { startEdgeStack, type EdgeStack } from "../../test/kit/edge-stack.ts";
import type { AdminApi } from "../../test/kit/events.ts";
import type { OriginProcess } from "../../test/kit/origin-process.ts";
import { startSmtpInbox, type SmtpInbox } from "../../test/kit/smtp-inbox.ts";
import { softPasskey } from "../../test/kit/soft-passkey.ts";
import { waitUntil } from "../../test/kit/wait.ts";
import type { WorkerdEdge } from "../../test/kit/workerd-edge.ts";

setDefaultTimeout(120_000);

let redis: Redis;
let stack: EdgeStack;
let pool: mysql.Pool;
let bridge: TestBridge;
let origin: OriginProcess;
let edge: WorkerdEdge;
let admin: AdminApi;
let inbox: SmtpInbox;

beforeAll(async () => {
  inbox = await startSmtpInbox();
  stack = await startEdgeStack({
    originEnv: { SMTP_HOST: "127.0.0.1", SMTP_PORT: String(new URL(inbox.url).port), LOG_REQUESTS: "0" },
    vars: { TICK_MS: "200", JOIN_LIMIT_PER_MINUTE: "100000", TICKET_LIMIT_PER_MINUTE: "100000", RATE_LIMIT_TIMEOUT_MS: "20000" },
  });
  ({ redis, pool, bridge, origin, edge, admin } = stack);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await inbox?.stop();
});

/** An open event whose sale asks an email before a new place (the stack's openEvent, with the identity step on). */
const openEvent = (label: string, queue: Record<string, unknown> = {}, event: Record<string, unknown> = {}) => stack.openEvent(label, { identity: "email", ...queue }, event);

/** A documentation-range IPv6 address per caller: every fan comes from its own network. */
const ipOf = (i: number) => `2001:db8::${(i + 1).toString(16)}`;

async function post(path: string, body: unknown, i = 0, headers: Record<string, string> = {}) {
  const res = await fetch(`${edge.url}${path}`, {
    method: "POST",
    headers: { "cf-connecting-ip": ipOf(i), ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString());

/** The email step as a fan goes through it: ask a code, read it from the mail, verify it. */
async function proveEmail(eventId: string, email: string, i = 0): Promise<string> {
  const sent = await post(`/queue/${eventId}/identity/email`, { email }, i);
  expect(sent).toEqual({ status: 202, body: { sent: true, expiresInSeconds: 300 } });
  const code = inbox.codeOf(await inbox.nextTo(email.toLowerCase()));
  const verified = await post(`/queue/${eventId}/identity/email/verify`, { email, code }, i);
  expect(verified.status).toBe(200);
  expect(verified.body.kind).toBe("email");
  return verified.body.proof;
}

describe("a sale that asks an email before a place", () => {
  test("no proof, no place; a code sent over SMTP verifies, and the place's ticket carries a hash of the address, never the address", async () => {
    const eventId = await openEvent("id-email");
    const refused = await post(`/queue/${eventId}/join`, undefined);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("IDENTITY_REQUIRED");
    expect((await post(`/queue/${eventId}/join`, { identityProof: "not.a.proof" })).body.code).toBe("IDENTITY_REQUIRED");

    const email = "Fan.One@Example.com";
    const proof = await proveEmail(eventId, email);
    expect(proof).not.toContain("example");
    const joined = await post(`/queue/${eventId}/join`, { identityProof: proof });
    expect(joined.status).toBe(201);
    const ticket = claimsOf(joined.body.ticket);
    expect(ticket.cus).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(ticket)).not.toContain("xample");
    // Redis keeps the identity's hash and the place's ticket, nothing of the address
    const identities = await redis.hgetall(eventKeys(eventId).identities);
    expect(identities).toEqual({ [`email:${ticket.cus}`]: ticket.tid });
    // a proof is for its own event only
    const other = await openEvent("id-other");
    expect((await post(`/queue/${other}/join`, { identityProof: proof })).body.code).toBe("IDENTITY_REQUIRED");
  });

  test("100 concurrent joins with one email give exactly one place; the others are told the identity holds one", async () => {
    const eventId = await openEvent("id-race");
    const proof = await proveEmail(eventId, "racer@example.com");
    const replies = await Promise.all(Array.from({ length: 100 }, (_, i) => post(`/queue/${eventId}/join`, { identityProof: proof }, i + 1)));
    const placed = replies.filter((r) => r.status === 201);
    expect(placed.length).toBe(1);
    expect(replies.filter((r) => r.status === 409 && r.body.code === "IDENTITY_IN_LINE").length).toBe(99);
    // one place: waiting, or let in by the scheduler meanwhile
    expect((await redis.zcard(eventKeys(eventId).queue)) + (await redis.zcard(eventKeys(eventId).admitted))).toBe(1);
    // the same address asked again, written another way, is the same identity: still no second place
    const again = await proveEmail(eventId, "RACER@Example.COM");
    expect((await post(`/queue/${eventId}/join`, { identityProof: again }, 500)).body.code).toBe("IDENTITY_IN_LINE");
    // the place's own ticket keeps its place, no proof needed
    const kept = await post(`/queue/${eventId}/join`, undefined, 1, { "x-queue-ticket": placed[0]!.body.ticket });
    expect(kept.status).toBe(200);
    expect(kept.body.ticketNumber).toBe(placed[0]!.body.ticketNumber);
  });

  test("a place that ended frees its identity: the fan who left gets a new place with the same email", async () => {
    const eventId = await openEvent("id-left");
    const proof = await proveEmail(eventId, "leaver@example.com");
    const first = await post(`/queue/${eventId}/join`, { identityProof: proof });
    expect(first.status).toBe(201);
    // the fan left the line (what the presence sweep does to a fan not seen)
    const tid = claimsOf(first.body.ticket).tid;
    await redis.zrem(eventKeys(eventId).queue, tid);
    const second = await post(`/queue/${eventId}/join`, { identityProof: proof });
    expect(second.status).toBe(201);
    expect(claimsOf(second.body.ticket).cus).toBe(claimsOf(first.body.ticket).cus);
  });

  test("a wrong code is refused, the fifth wrong one voids the code so even the right one fails, and an expired code is refused", async () => {
    const eventId = await openEvent("id-tries");
    const email = "guesser@example.com";
    expect((await post(`/queue/${eventId}/identity/email`, { email })).status).toBe(202);
    const code = inbox.codeOf(await inbox.nextTo(email));
    const wrong = code === "000000" ? "111111" : "000000";
    const tries = [];
    for (let i = 0; i < 5; i++) tries.push((await post(`/queue/${eventId}/identity/email/verify`, { email, code: wrong })).body.code);
    expect(tries).toEqual(["IDENTITY_CODE_INVALID", "IDENTITY_CODE_INVALID", "IDENTITY_CODE_INVALID", "IDENTITY_CODE_INVALID", "IDENTITY_CODE_SPENT"]);
    const late = await post(`/queue/${eventId}/identity/email/verify`, { email, code });
    expect(late.status).toBe(403);
    expect(late.body.code).toBe("IDENTITY_CODE_SPENT");

    // concurrent guesses never get more than five tries
    expect((await post(`/queue/${eventId}/identity/email`, { email })).status).toBe(202);
    const fresh = inbox.codeOf(await inbox.nextTo(email));
    const guesses = await Promise.all(Array.from({ length: 40 }, (_, i) => post(`/queue/${eventId}/identity/email/verify`, { email, code: String((Number(fresh) + 1 + i) % 1_000_000).padStart(6, "0") }, i)));
    expect(guesses.filter((g) => g.body.code === "IDENTITY_CODE_INVALID").length).toBe(4);
    expect((await post(`/queue/${eventId}/identity/email/verify`, { email, code: fresh })).body.code).toBe("IDENTITY_CODE_SPENT");

    // a code whose time ran out (its Redis record expires with it)
    const expiring = "late@example.com";
    expect((await post(`/queue/${eventId}/identity/email`, { email: expiring })).status).toBe(202);
    const lateCode = inbox.codeOf(await inbox.nextTo(expiring));
    const keys = await redis.keys(`cu:{${eventId}}:id:code:*`);
    for (const key of keys) await redis.pexpire(key, 1);
    await waitUntil("the code expired", async () => (await redis.keys(`cu:{${eventId}}:id:code:*`)).length === 0);
    expect((await post(`/queue/${eventId}/identity/email/verify`, { email: expiring, code: lateCode })).body.code).toBe("IDENTITY_CODE_INVALID");
  });

  test("the answer never tells whether an address is known; codes are limited per address (silently) and per IP (429); bad bodies are 400", async () => {
    const eventId = await openEvent("id-limits");
    const email = "limited@example.com";
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => post(`/queue/${eventId}/identity/email`, { email }, 100 + i)));
    for (const a of answers) expect(a).toEqual({ status: 202, body: { sent: true, expiresInSeconds: 300 } });
    await inbox.nextTo(email);
    await inbox.nextTo(email);
    await inbox.nextTo(email);
    await Bun.sleep(300);
    expect(inbox.mails.filter((m) => m.to === email).length).toBe(3);

    const fromOne = [];
    for (let i = 0; i < 11; i++) fromOne.push((await post(`/queue/${eventId}/identity/email`, { email: `ip-${i}@example.com` }, 200)).status);
    expect(fromOne.slice(0, 10).every((s) => s === 202)).toBe(true);
    expect(fromOne[10]).toBe(429);

    for (const body of [{}, { email: "not an address" }, { email: "a@b.co", more: 1 }]) {
      const r = await post(`/queue/${eventId}/identity/email`, body, 300);
      expect(r.status).toBe(400);
      expect(typeof r.body.code).toBe("string");
    }
    expect((await post(`/queue/${eventId}/identity/email/verify`, { email: "a@b.co", code: "12345" }, 300)).status).toBe(400);
    expect((await post(`/queue/${eventId}/join`, { identityProof: 42 }, 300)).status).toBe(400);
    // a sale that asks no email says so
    const passkeyOnly = await openEvent("id-passkey-only", { identity: "passkey" });
    expect((await post(`/queue/${passkeyOnly}/identity/email`, { email }, 301)).body.code).toBe("IDENTITY_NOT_ASKED");
  });

  test("two sessions of one identity share its tickets per customer: concurrent holds from both never pass the limit", async () => {
    const eventId = await openEvent("id-cap", { rate: 50 }, { customerLimit: 2, perOrderLimit: 4 });
    const proof = await proveEmail(eventId, "collector@example.com");
    const sessions: Array<{ token: string; cus: string }> = [];
    for (let s = 0; s < 2; s++) {
      const joined = await post(`/queue/${eventId}/join`, { identityProof: proof }, s);
      expect(joined.status).toBe(201);
      const ticket = joined.body.ticket as string;
      let claimed: Awaited<ReturnType<typeof post>> | null = null;
      await waitUntil("the fan's turn", async () => {
        claimed = await post(`/queue/${eventId}/claim`, undefined, s, { "x-queue-ticket": ticket });
        return claimed.status === 200;
      }, 30_000, 100);
      const token = claimed!.body.activeToken as string;
      sessions.push({ token, cus: claimsOf(token).cus });
    }
    expect(sessions[0]!.cus).toBe(sessions[1]!.cus);
    expect(sessions[0]!.cus).toBe(claimsOf(proof).sub.split(":")[1]);
    const seats = Array.from({ length: 20 }, (_, i) => `A-${1 + (i % 2)}-${1 + Math.floor(i / 2)}`);
    const holds = await Promise.all(
      seats.map((seat, i) =>
        fetch(`${edge.url}/api/events/${eventId}/holds`, {
          method: "POST",
          headers: { authorization: `Bearer ${sessions[i % 2]!.token}`, "content-type": "application/json", "cf-connecting-ip": ipOf(i % 2) },
          body: JSON.stringify({ seatIds: [seat] }),
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, any> })),
      ),
    );
    expect(holds.filter((h) => h.status === 201).length).toBe(2);
    expect(holds.filter((h) => h.status === 409 && h.body.code === "CUSTOMER_LIMIT").length).toBe(18);
  });
});

describe("a sale that asks a passkey", () => {
  const origin_ = "https://tickets.example";
  test("a passkey made and then used gives the same identity; a second join with it gets no second place", async () => {
    const eventId = await openEvent("id-passkey", { identity: "passkey" });
    const key = await softPasskey();
    const options = await post(`/queue/${eventId}/identity/passkey/register/options`, {}, 0, { origin: origin_ });
    expect(options.status).toBe(200);
    const made = await post(`/queue/${eventId}/identity/passkey/register`, { ceremony: options.body.ceremony, response: await key.register(options.body.options, origin_) }, 0, { origin: origin_ });
    expect(made.status).toBe(200);
    expect(made.body.kind).toBe("passkey");
    // the ceremony is single use
    expect((await post(`/queue/${eventId}/identity/passkey/register`, { ceremony: options.body.ceremony, response: await key.register(options.body.options, origin_) }, 0, { origin: origin_ })).body.code).toBe("PASSKEY_REFUSED");

    const joined = await post(`/queue/${eventId}/join`, { identityProof: made.body.proof });
    expect(joined.status).toBe(201);
    const login = await post(`/queue/${eventId}/identity/passkey/login/options`, {}, 1, { origin: origin_ });
    const used = await post(`/queue/${eventId}/identity/passkey/login`, { ceremony: login.body.ceremony, response: await key.login(login.body.options, origin_) }, 1, { origin: origin_ });
    expect(used.status).toBe(200);
    expect(claimsOf(used.body.proof).sub).toBe(claimsOf(made.body.proof).sub);
    const second = await Promise.all(Array.from({ length: 50 }, (_, i) => post(`/queue/${eventId}/join`, { identityProof: used.body.proof }, 10 + i)));
    expect(second.every((r) => r.status === 409 && r.body.code === "IDENTITY_IN_LINE")).toBe(true);
    // another origin's answer is refused
    const other = await post(`/queue/${eventId}/identity/passkey/login/options`, {}, 2, { origin: origin_ });
    expect((await post(`/queue/${eventId}/identity/passkey/login`, { ceremony: other.body.ceremony, response: await key.login(other.body.options, "https://evil.example") }, 2, { origin: origin_ })).body.code).toBe("PASSKEY_REFUSED");
    const [rows] = await pool.query("SELECT user_handle FROM passkey_credentials WHERE credential_id = ?", [key.credentialId]);
    expect((rows as unknown[]).length).toBe(1);
  });
});
