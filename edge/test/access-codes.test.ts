/**
 * Presale access codes and invite-only rooms, through the production Worker in workerd
 * (Miniflare, the JoinBatcher bound), the Upstash bridge, the real origin and MySQL: a code
 * gives exactly as many places as it has uses under a race, refuses outside its window, is
 * never handed out again when Redis loses it, and an invite-only room places only fans who
 * bring one.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type Redis from "ioredis";
import type mysql from "mysql2/promise";
import { accessCodeHash } from "../../common/access.ts";
import { eventKeys } from "../../common/keys.ts";
import type { TestBridge } from "../../test/kit/bridge.ts";
import { fanIp, startEdgeStack, type EdgeStack } from "../../test/kit/edge-stack.ts";
import type { AdminApi } from "../../test/kit/events.ts";
import type { OriginProcess } from "../../test/kit/origin-process.ts";
import { startWorkerdEdge, type WorkerdEdge } from "../../test/kit/workerd-edge.ts";

setDefaultTimeout(120_000);

let stack: EdgeStack;
let redis: Redis;
let pool: mysql.Pool;
let bridge: TestBridge;
let origin: OriginProcess;
let edge: WorkerdEdge;
let admin: AdminApi;
let events: string[];

beforeAll(async () => {
  // the limiter answers slowly on a loaded machine; a limiter that times out refuses (fail closed)
  stack = await startEdgeStack({ vars: { TICK_MS: "200", JOIN_LIMIT_PER_MINUTE: "100000", CODE_ATTEMPTS_PER_MINUTE: "100000", RATE_LIMIT_TIMEOUT_MS: "20000" } });
  ({ redis, pool, bridge, origin, edge, admin, events } = stack);
}, 120_000);

afterAll(() => stack?.stop());

const openEvent = (label: string, queue: Record<string, unknown> = {}, event: Record<string, unknown> = {}) => stack.openEvent(label, queue, event);

async function createCode(eventId: string, body: Record<string, unknown>): Promise<{ id: string; code: string }> {
  const res = await admin.call("POST", `/admin/events/${eventId}/access-codes`, body);
  expect(res.status).toBe(201);
  return res.body.codes[0];
}

const ipOf = fanIp;

async function join(eventId: string, i: number, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${edge.url}/queue/${eventId}/join`, {
    method: "POST",
    headers: { "cf-connecting-ip": ipOf(i), ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

function tally(replies: Array<{ status: number; body: Record<string, any> }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of replies) {
    const key = r.status < 300 ? String(r.status) : `${r.status} ${r.body.code}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

async function mysqlCode(codeId: string): Promise<{ used: number; redemptions: number }> {
  const [[row]] = (await pool.query("SELECT used, (SELECT COUNT(*) FROM access_code_redemptions WHERE code_id = ?) AS redemptions FROM access_codes WHERE id = ?", [codeId, codeId])) as unknown as [
    Array<{ used: number; redemptions: number }>,
  ];
  return { used: Number(row!.used), redemptions: Number(row!.redemptions) };
}

describe("access codes, through the Worker in workerd", () => {
  test("a single-use code redeemed by 100 concurrent fans gives exactly one place, recorded once in MySQL", async () => {
    const eventId = await openEvent("code-single");
    const { id, code } = await createCode(eventId, { uses: 1, label: "press" });
    const replies = await Promise.all(Array.from({ length: 100 }, (_, i) => join(eventId, i, { accessCode: code })));
    expect(tally(replies)).toEqual({ "201": 1, "403 ACCESS_CODE_USED_UP": 99 });
    expect(await mysqlCode(id)).toEqual({ used: 1, redemptions: 1 });
    expect(await redis.hget(eventKeys(eventId).accessCode(await accessCodeHash(eventId, code)), "used")).toBe("1");
    // the code is stored only as its hash
    const [[stored]] = (await pool.query("SELECT code_hash AS h FROM access_codes WHERE id = ?", [id])) as unknown as [Array<{ h: string }>];
    expect(stored!.h).not.toContain(code);
    expect(stored!.h).toBe(await accessCodeHash(eventId, code));
  });

  test("an N-use code gives exactly N places to a racing crowd, and the places are real ones", async () => {
    const eventId = await openEvent("code-n");
    const { id, code } = await createCode(eventId, { uses: 7 });
    const replies = await Promise.all(Array.from({ length: 120 }, (_, i) => join(eventId, i, { accessCode: code.toLowerCase().replace(/-/g, "-") })));
    expect(tally(replies)).toEqual({ "201": 7, "403 ACCESS_CODE_USED_UP": 113 });
    const numbers = replies.filter((r) => r.status === 201).map((r) => r.body.ticketNumber as number).sort((a, b) => a - b);
    expect(numbers).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(await mysqlCode(id)).toEqual({ used: 7, redemptions: 7 });
    // seven numbers handed out, no more (the scheduler may already have admitted some)
    expect(await redis.get(eventKeys(eventId).seq)).toBe("7");
  });

  test("a code outside its window, unknown, revoked or malformed gives no place", async () => {
    const eventId = await openEvent("code-window");
    const hour = 3600_000;
    const later = await createCode(eventId, { validFrom: new Date(Date.now() + hour).toISOString() });
    const past = await createCode(eventId, { validFrom: new Date(Date.now() - 2 * hour).toISOString(), validUntil: new Date(Date.now() - hour).toISOString() });
    const revoked = await createCode(eventId, { uses: 10 });
    expect((await admin.call("DELETE", `/admin/events/${eventId}/access-codes/${revoked.id}`)).status).toBe(200);
    const answers = [
      await join(eventId, 1, { accessCode: later.code }),
      await join(eventId, 2, { accessCode: past.code }),
      await join(eventId, 3, { accessCode: "NOPE-NOPE-NOPE" }),
      await join(eventId, 4, { accessCode: revoked.code }),
      await join(eventId, 5, { accessCode: "no!" }),
    ];
    expect(answers.map((a) => `${a.status} ${a.body.code}`)).toEqual([
      "403 ACCESS_CODE_NOT_VALID_NOW",
      "403 ACCESS_CODE_NOT_VALID_NOW",
      "403 ACCESS_CODE_INVALID",
      "403 ACCESS_CODE_INVALID",
      "403 ACCESS_CODE_INVALID",
    ]);
    expect((await join(eventId, 6, { accessCode: 42 })).status).toBe(400);
    expect((await join(eventId, 6, { other: "x" })).status).toBe(400);
    expect(await redis.get(eventKeys(eventId).seq)).toBeNull();
    expect((await mysqlCode(later.id)).used).toBe(0);
  });

  test("when Redis loses the codes, MySQL still refuses a used one and the codes are written back", async () => {
    const eventId = await openEvent("code-loss");
    const { id, code } = await createCode(eventId, { uses: 1 });
    expect((await join(eventId, 0, { accessCode: code })).status).toBe(201);
    const k = eventKeys(eventId);
    const hash = await accessCodeHash(eventId, code);
    // Redis comes back without the event's codes (no marker either)
    await redis.del(k.accessCode(hash), k.accessCodeTickets, k.accessCodesPublished);
    const replies = await Promise.all(Array.from({ length: 30 }, (_, i) => join(eventId, 100 + i, { accessCode: code })));
    expect(tally(replies)).toEqual({ "403 ACCESS_CODE_USED_UP": 30 });
    expect(await mysqlCode(id)).toEqual({ used: 1, redemptions: 1 });
    expect(await redis.hget(k.accessCode(hash), "used")).toBe("1");
    expect(await redis.exists(k.accessCodesPublished)).toBe(1);
    // Redis back in time: the code's count went down there, MySQL's did not
    await redis.hset(k.accessCode(hash), "used", 0);
    expect(tally(await Promise.all(Array.from({ length: 30 }, (_, i) => join(eventId, 200 + i, { accessCode: code }))))).toEqual({ "403 ACCESS_CODE_USED_UP": 30 });
    expect(await mysqlCode(id)).toEqual({ used: 1, redemptions: 1 });
  });

  test("a code for one tier unlocks that tier's seats only: the fan's session is refused another tier's seat", async () => {
    const sections = [
      { name: "A", rows: 1, seatsPerRow: 4, tier: "front", priceCents: 9000 },
      { name: "B", rows: 1, seatsPerRow: 4, tier: "standard", priceCents: 4000 },
    ];
    const eventId = await openEvent("code-tier", { rate: 50 }, { sections });
    const { code } = await createCode(eventId, { uses: 1, tier: "front" });
    const placed = await join(eventId, 0, { accessCode: code });
    expect(placed.status).toBe(201);
    // the scheduler admits the fan; the claim turns the ticket into a session bound to the tier
    let claimed: Response | null = null;
    for (const until = Date.now() + 20_000; Date.now() < until; await Bun.sleep(100)) {
      claimed = await fetch(`${edge.url}/queue/${eventId}/claim`, { method: "POST", headers: { "x-queue-ticket": placed.body.ticket, "cf-connecting-ip": ipOf(0) } });
      if (claimed.status !== 409) break;
    }
    expect(claimed!.status).toBe(200);
    const { activeToken } = (await claimed!.json()) as { activeToken: string };
    const hold = (seatIds: string[]) =>
      fetch(`${edge.url}/api/events/${eventId}/holds`, { method: "POST", headers: { authorization: `Bearer ${activeToken}`, "content-type": "application/json" }, body: JSON.stringify({ seatIds }) });
    const other = await hold(["B-1-1"]);
    expect(other.status).toBe(403);
    expect(((await other.json()) as { code: string }).code).toBe("TIER_NOT_UNLOCKED");
    const mixed = await hold(["A-1-1", "B-1-2"]);
    expect(mixed.status).toBe(403);
    expect((await hold(["A-1-1", "A-1-2"])).status).toBe(201);
  });

  test("a tier code's place moved to another device by its resume link keeps the tier: the new device's session holds that tier's seats only", async () => {
    const sections = [
      { name: "A", rows: 1, seatsPerRow: 4, tier: "front", priceCents: 9000 },
      { name: "B", rows: 1, seatsPerRow: 4, tier: "standard", priceCents: 4000 },
    ];
    // nobody is admitted until the place has moved
    const eventId = await openEvent("code-tier-move", { rate: 0.001 }, { sections });
    const { code } = await createCode(eventId, { uses: 1, tier: "front" });
    const placed = await join(eventId, 0, { accessCode: code });
    expect(placed.status).toBe(201);
    // the laptop's waiting page shows the place's link; the phone opens it
    const laptopPage = await fetch(`${edge.url}/events/${eventId}`, { headers: { cookie: `cu_q_${eventId}=${placed.body.ticket}`, "cf-connecting-ip": ipOf(0) } });
    const link = /data-resume-path="([^"]+)"/.exec(await laptopPage.text())![1]!;
    expect(link).not.toContain("front");
    const moved = await fetch(`${edge.url}${link}`, { method: "POST", headers: { "cf-connecting-ip": ipOf(1) } });
    expect(moved.status).toBe(200);
    const { ticket } = (await moved.json()) as { ticket: string };
    const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as { tid: string; tier?: string };
    expect(claimsOf(ticket).tier).toBe("front");
    expect(claimsOf(ticket).tid).not.toBe(claimsOf(placed.body.ticket).tid);

    expect((await admin.call("PATCH", `/admin/events/${eventId}/queue`, { rate: 50 })).status).toBe(200);
    let claimed: Response | null = null;
    for (const until = Date.now() + 20_000; Date.now() < until; await Bun.sleep(100)) {
      claimed = await fetch(`${edge.url}/queue/${eventId}/claim`, { method: "POST", headers: { "x-queue-ticket": ticket, "cf-connecting-ip": ipOf(1) } });
      if (claimed.status !== 409) break;
    }
    expect(claimed!.status).toBe(200);
    const { activeToken } = (await claimed!.json()) as { activeToken: string };
    expect(claimsOf(activeToken).tier).toBe("front");
    const hold = (seatIds: string[]) =>
      fetch(`${edge.url}/api/events/${eventId}/holds`, { method: "POST", headers: { authorization: `Bearer ${activeToken}`, "content-type": "application/json" }, body: JSON.stringify({ seatIds }) });
    const other = await hold(["B-1-1"]);
    expect(other.status).toBe(403);
    expect(((await other.json()) as { code: string }).code).toBe("TIER_NOT_UNLOCKED");
    expect((await hold(["A-1-1"])).status).toBe(201);
  });

  test("a code redeemed for a join that is then refused (the sale ended) is given back", async () => {
    const eventId = await openEvent("code-undo");
    const { id, code } = await createCode(eventId, { uses: 1 });
    expect((await admin.call("POST", `/admin/events/${eventId}/queue/close`)).status).toBe(200);
    expect((await join(eventId, 0, { accessCode: code })).status).toBe(410);
    expect(await mysqlCode(id)).toEqual({ used: 0, redemptions: 0 });
    expect(await redis.hget(eventKeys(eventId).accessCode(await accessCodeHash(eventId, code)), "used")).toBe("0");
  });
});

describe("guessing codes", () => {
  test("a client IP may try CODE_ATTEMPTS_PER_MINUTE codes a minute, right or wrong; then 429 and no code is looked at", async () => {
    const tight = await startWorkerdEdge({ upstashUrl: bridge.url, originUrl: origin.url, vars: { TICK_MS: "200", CODE_ATTEMPTS_PER_MINUTE: "3", RATE_LIMIT_TIMEOUT_MS: "20000" } });
    try {
      const eventId = await openEvent("code-guess");
      const { id, code } = await createCode(eventId, { uses: 5 });
      const guess = (accessCode: string, ip = "203.0.113.9") =>
        fetch(`${tight.url}/queue/${eventId}/join`, { method: "POST", headers: { "cf-connecting-ip": ip, "content-type": "application/json" }, body: JSON.stringify({ accessCode }) });
      const answers: string[] = [];
      for (const attempt of ["GUESS-0001", "GUESS-0002", "GUESS-0003", code]) {
        const res = await guess(attempt);
        answers.push(`${res.status} ${((await res.json()) as { code?: string }).code ?? ""}`);
      }
      expect(answers).toEqual(["403 ACCESS_CODE_INVALID", "403 ACCESS_CODE_INVALID", "403 ACCESS_CODE_INVALID", "429 RATE_LIMITED"]);
      expect((await mysqlCode(id)).used).toBe(0);
      // another network is not held back by this one
      expect((await guess(code, "203.0.113.10")).status).toBe(201);
    } finally {
      await tight.stop();
    }
  });
});

describe("an invite-only room", () => {
  test("refuses a new place without a code (403 INVITE_ONLY, and the page asks for the code), places a fan who brings one, and keeps that fan's place without it", async () => {
    const eventId = await openEvent("invite", { inviteOnly: true });
    const { code } = await createCode(eventId, { uses: 2 });
    const refused = await Promise.all(Array.from({ length: 20 }, (_, i) => join(eventId, i)));
    expect(tally(refused)).toEqual({ "403 INVITE_ONLY": 20 });
    const page = await fetch(`${edge.url}/events/${eventId}`, { headers: { "cf-connecting-ip": ipOf(50) } });
    expect(page.status).toBe(403);
    const html = await page.text();
    expect(html).toContain('<label for="access-code">Access code</label>');
    expect(await redis.get(eventKeys(eventId).seq)).toBeNull();

    const placed = await join(eventId, 60, { accessCode: code });
    expect(placed.status).toBe(201);
    // the fan's ticket keeps the place: no code needed, none spent
    const again = await join(eventId, 60, undefined, { "x-queue-ticket": placed.body.ticket });
    expect(again.status).toBe(200);
    expect(again.body.ticketNumber).toBe(placed.body.ticketNumber);
    const keptWithCode = await join(eventId, 60, { accessCode: code }, { "x-queue-ticket": placed.body.ticket });
    expect(keptWithCode.status).toBe(200);
    expect(await redis.hget(eventKeys(eventId).accessCode(await accessCodeHash(eventId, code)), "used")).toBe("1");

    // the organiser opens the room to everyone
    expect((await admin.call("PATCH", `/admin/events/${eventId}/queue`, { inviteOnly: false })).status).toBe(200);
    expect((await join(eventId, 70)).status).toBe(201);
  });
});
