/**
 * Leaving and coming back, through the Worker on real Redis: a fan whose page was closed
 * keeps the place for the presence grace (5 minutes unless the organiser set the event's
 * own), and the resume link moves a waiting place to another device, where only the latest
 * device to open it holds the place and every earlier one is told. Time away is simulated
 * honestly: the fan's last-seen time in Redis is set minutes back, and the Worker's own
 * shared read (started by another fan's stream) decides who left.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createHmac } from "node:crypto";

setDefaultTimeout(30_000);
import { identitySubject, signIdentityProof } from "../../common/identity.ts";
import { eventKeys } from "../../common/keys.ts";
import { hubFor } from "../src/hub.ts";
import { readResumeCode, resumeCode } from "../src/resume.ts";
import { useEdgeWorker } from "./helpers/fixture.ts";
import { admitHead, redis } from "./helpers/redis.ts";
import { call, SseReader } from "./helpers/worker.ts";

// no PRESENCE_GRACE_SECONDS: the default, 5 minutes
const edge = useEdgeWorker({ TICK_MS: "100", HEARTBEAT_SECONDS: "1" });
const readers: SseReader[] = [];
afterAll(async () => {
  await Promise.all(readers.map((r) => r.close()));
});

type Jar = Map<string, string>;

async function joinFan(eventId: string, ip = "198.51.100.1") {
  const jar: Jar = new Map();
  const res = await call(edge.env, `/queue/${eventId}/join`, { method: "POST", jar, ip });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { ticket: string; ticketNumber: number };
  return { jar, number: body.ticketNumber, tid: ticketId(body.ticket) };
}

/** The claims inside a queue ticket or active token (its payload is base64url JSON). */
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as { tid?: string; cus?: string };

/** The ticket id inside a queue ticket. */
function ticketId(ticket: string): string {
  return claimsOf(ticket).tid!;
}

async function open(eventId: string, jar: Jar) {
  const res = await call(edge.env, `/queue/${eventId}/events`, { jar });
  expect(res.status).toBe(200);
  const reader = new SseReader(res);
  readers.push(reader);
  return reader;
}

const status = async (eventId: string, jar: Jar) => {
  const res = await call(edge.env, `/queue/${eventId}/status`, { jar });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

/** Sets the fan's last-seen time `ms` back, as if their page had been closed that long. */
const away = (eventId: string, tid: string, ms: number) => redis.zadd(eventKeys(eventId).seen, "XX", Date.now() - ms, tid);

/** The isolate's shared read of the line, as a stream's tick makes it: refreshes presence and retires who left. */
const sharedRead = (eventId: string) => hubFor(eventId).ensureFresh(edge.env, null, 0);

describe("leave and come back", () => {
  test("a fan whose page was closed for 4 minutes comes back to the same place; after 6 minutes it is gone", async () => {
    const eventId = await edge.freshEvent("back-4min");
    const closed = await joinFan(eventId);
    const other = await joinFan(eventId);
    const watching = await open(eventId, other.jar);
    expect((await watching.nextEvent("position", 5000)).data).toMatchObject({ ticketNumber: 2, position: 2 });

    await away(eventId, closed.tid, 4 * 60_000);
    await sharedRead(eventId);
    expect(await redis.zscore(eventKeys(eventId).queue, closed.tid)).toBe("1");
    const back = await status(eventId, closed.jar);
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ ticketNumber: 1, position: 1 });

    // the status call marked the fan seen again; now they stay away longer than the grace
    await away(eventId, closed.tid, 6 * 60_000);
    await sharedRead(eventId);
    expect(await redis.zscore(eventKeys(eventId).queue, closed.tid)).toBeNull();
    expect((await status(eventId, closed.jar)).body).toMatchObject({ code: "LEFT_QUEUE" });
    // the one who stayed moved up
    expect((await status(eventId, other.jar)).body).toMatchObject({ ticketNumber: 2, position: 1 });
  });

  test("the organiser's grace for the event wins over the default", async () => {
    const eventId = await edge.freshEvent("back-own-grace", { presenceGraceSeconds: 60 });
    const closed = await joinFan(eventId);
    const other = await joinFan(eventId);
    const watching = await open(eventId, other.jar);
    await watching.nextEvent("position", 5000);
    await away(eventId, closed.tid, 2 * 60_000);
    await sharedRead(eventId);
    expect((await status(eventId, closed.jar)).body).toMatchObject({ code: "LEFT_QUEUE" });
  });
});

describe("the resume link", () => {
  test("moves the place to another device; only the latest device holds it and every earlier one is told", async () => {
    const eventId = await edge.freshEvent("resume-chain");
    await joinFan(eventId, "198.51.100.2"); // someone ahead
    const laptop = await joinFan(eventId);
    const laptopStream = await open(eventId, laptop.jar);
    expect((await laptopStream.nextEvent("position", 5000)).data).toMatchObject({ ticketNumber: 2, position: 2 });

    // the laptop's page shows its link; the phone opens it: the page asks first, and moves nothing
    const page = await call(edge.env, `/events/${eventId}`, { jar: laptop.jar });
    const link = /data-resume-path="([^"]+)"/.exec(await page.text())![1]!;
    expect(link).toBe(`/queue/${eventId}/resume/${await resumeCode(edge.env, eventId, laptop.tid)}`);
    expect((await call(edge.env, link)).status).toBe(200);
    expect(await redis.zscore(eventKeys(eventId).queue, laptop.tid)).toBe("2");

    const phone: Jar = new Map();
    const moved = await call(edge.env, link, { method: "POST", jar: phone });
    expect(moved.status).toBe(200);
    expect(await moved.json()).toMatchObject({ ticketNumber: 2, redirect: `/events/${eventId}` });
    expect((await laptopStream.nextEvent("moved", 5000)).data).toMatchObject({ code: "PLACE_MOVED" });
    expect((await status(eventId, phone)).body).toMatchObject({ ticketNumber: 2, position: 2 });
    expect((await status(eventId, laptop.jar)).status).toBe(409);
    // the laptop's page says so instead of taking a new place at the back
    const laptopPage = await call(edge.env, `/events/${eventId}`, { jar: laptop.jar });
    expect(laptopPage.status).toBe(409);
    expect(await laptopPage.text()).toContain("moved to another device");

    // the phone's own link takes it on to a tablet; the laptop's old link no longer moves anything
    const phoneTid = ticketId(phone.get(`cu_q_${eventId}`)!);
    const phoneStream = await open(eventId, phone);
    await phoneStream.nextEvent("position", 5000);
    const tablet: Jar = new Map();
    const phoneLink = `/queue/${eventId}/resume/${await resumeCode(edge.env, eventId, phoneTid)}`;
    expect((await call(edge.env, phoneLink, { method: "POST", jar: tablet })).status).toBe(200);
    expect((await phoneStream.nextEvent("moved", 5000)).data.code).toBe("PLACE_MOVED");
    const stale = await call(edge.env, link, { method: "POST", jar: new Map() });
    expect(stale.status).toBe(409);
    expect(await stale.json()).toMatchObject({ code: "PLACE_MOVED" });

    // admitted: only the tablet can claim
    expect(await admitHead(eventId, 2)).toBe(2);
    expect((await call(edge.env, `/queue/${eventId}/claim`, { method: "POST", jar: phone })).status).toBe(403);
    expect((await call(edge.env, `/queue/${eventId}/claim`, { method: "POST", jar: tablet })).status).toBe(200);
  });

  test("a place proved with an email keeps its identity on the new device: the identity still holds one place, and the session's customer is the fan's", async () => {
    const eventId = await edge.freshEvent("resume-identity", { identity: "email" });
    const secret = edge.env.IDENTITY_SECRET!;
    const subject = await identitySubject(secret, "email", "moving-fan@example.com");
    const joinWith = (jar: Jar, ip: string) =>
      signIdentityProof(secret, eventId, subject).then((identityProof) =>
        call(edge.env, `/queue/${eventId}/join`, { method: "POST", jar, ip, headers: { "content-type": "application/json" }, body: JSON.stringify({ identityProof }) }),
      );
    const laptop: Jar = new Map();
    const joined = await joinWith(laptop, "198.51.100.31");
    expect(joined.status).toBe(201);
    const customer = claimsOf(((await joined.json()) as { ticket: string }).ticket).cus!;
    expect(customer).toBe(subject.slice("email:".length));

    // the laptop's page shows its link; the phone takes the place with it
    const linkOnPage = async () => /data-resume-path="([^"]+)"/.exec(await (await call(edge.env, `/events/${eventId}`, { jar: laptop })).text())![1]!;
    const link = await linkOnPage();
    // the link shows nothing stable about the fan: not the customer, and another one each time it is drawn
    expect(link).not.toContain(customer);
    const again = await linkOnPage();
    expect(again).not.toBe(link);
    expect(again.split(".")[0]).toBe(link.split(".")[0]);
    const phone: Jar = new Map();
    const moved = await call(edge.env, link, { method: "POST", jar: phone });
    expect(moved.status).toBe(200);
    expect(claimsOf(((await moved.json()) as { ticket: string }).ticket).cus).toBe(customer);

    // the same email cannot take a second place while the moved one waits, from anywhere
    const second = await joinWith(new Map(), "198.51.100.32");
    expect(second.status).toBe(409);
    expect(await second.json()).toMatchObject({ code: "IDENTITY_IN_LINE" });
    expect(await redis.hget(eventKeys(eventId).identities, subject)).toBe(ticketId(phone.get(`cu_q_${eventId}`)!));

    // the phone's session is the fan's: tickets per customer count them
    await admitHead(eventId, 1);
    const claimed = await call(edge.env, `/queue/${eventId}/claim`, { method: "POST", jar: phone });
    expect(claimed.status).toBe(200);
    expect(claimsOf(((await claimed.json()) as { activeToken: string }).activeToken).cus).toBe(customer);
  });

  test("a link made before the customer was sealed (its keyed hash in the clear) still moves the place with its identity", async () => {
    const eventId = await edge.freshEvent("resume-legacy", { identity: "email" });
    const secret = edge.env.IDENTITY_SECRET!;
    const subject = await identitySubject(secret, "email", "old-link@example.com");
    const laptop: Jar = new Map();
    const joined = await call(edge.env, `/queue/${eventId}/join`, { method: "POST", jar: laptop, ip: "198.51.100.41", headers: { "content-type": "application/json" }, body: JSON.stringify({ identityProof: await signIdentityProof(secret, eventId, subject) }) });
    expect(joined.status).toBe(201);
    const { tid, cus } = claimsOf(((await joined.json()) as { ticket: string }).ticket);
    // the older form: `<ticket id>.<customer>.<HMAC of event/ticket id/customer>`, as earlier pages showed it
    const mac = createHmac("sha256", `concert-u/resume/${edge.env.TICKET_SECRET.split(",")[0]!.trim()}`).update(`${eventId}/${tid}/${cus}`).digest().subarray(0, 12).toString("base64url");
    const phone: Jar = new Map();
    const moved = await call(edge.env, `/queue/${eventId}/resume/${tid}.${cus}.${mac}`, { method: "POST", jar: phone });
    expect(moved.status).toBe(200);
    expect(claimsOf(((await moved.json()) as { ticket: string }).ticket).cus).toBe(cus);
    expect(await redis.hget(eventKeys(eventId).identities, subject)).toBe(ticketId(phone.get(`cu_q_${eventId}`)!));
    // another customer in the old form, with the first one's signature, moves nothing
    const tampered = await call(edge.env, `/queue/${eventId}/resume/${tid}.${"A".repeat(43)}.${mac}`, { method: "POST", jar: new Map() });
    expect(tampered.status).toBe(404);
  });

  test("what a link carries comes back exactly, for every tier length with and without a customer; a changed sealed part is refused", async () => {
    const cus = Buffer.alloc(32, 7).toString("base64url");
    for (let n = 0; n <= 64; n++) {
      for (const customer of [null, cus]) {
        const tier = n === 0 ? null : "t".repeat(n - 1) + "é";
        if (!customer && !tier) continue;
        const code = await resumeCode(edge.env, "sealed-event", "ticket-id-0123456789", { cus: customer, tier });
        expect(code.split(".")[1]!.length).not.toBe(43);
        expect(await readResumeCode(edge.env, "sealed-event", code)).toEqual({ tid: "ticket-id-0123456789", cus: customer, tier });
        expect(await readResumeCode(edge.env, "other-event", code)).toBeNull();
        const [tid, middle, mac] = code.split(".") as [string, string, string];
        const flipped = (middle[12] === "A" ? "B" : "A");
        expect(await readResumeCode(edge.env, "sealed-event", `${tid}.${middle.slice(0, 12)}${flipped}${middle.slice(13)}.${mac}`)).toBeNull();
      }
    }
  });

  test("a hundred devices opening one link at once: exactly one holds the place", async () => {
    const eventId = await edge.freshEvent("resume-race");
    const fan = await joinFan(eventId);
    const link = `/queue/${eventId}/resume/${await resumeCode(edge.env, eventId, fan.tid)}`;
    const jars = Array.from({ length: 100 }, () => new Map<string, string>() as Jar);
    const answers = await Promise.all(jars.map((jar) => call(edge.env, link, { method: "POST", jar })));
    const codes = await Promise.all(answers.map(async (r) => (r.status === 200 ? "ok" : ((await r.json()) as { code: string }).code)));
    expect(codes.filter((c) => c === "ok")).toHaveLength(1);
    expect(codes.filter((c) => c === "PLACE_MOVED")).toHaveLength(99);
    // the one place, one holder: the queue has one ticket at number 1
    expect(await redis.zrangebyscore(eventKeys(eventId).queue, 1, 1)).toHaveLength(1);
    const winner = jars[codes.indexOf("ok")]!;
    expect((await status(eventId, winner)).body).toMatchObject({ ticketNumber: 1, position: 1 });
  });

  test("a forged link moves nothing, and an admitted place is claimed where it is", async () => {
    const eventId = await edge.freshEvent("resume-refused");
    const fan = await joinFan(eventId);
    const code = await resumeCode(edge.env, eventId, fan.tid);
    const forged = `/queue/${eventId}/resume/${code.slice(0, -3)}abc`;
    expect((await call(edge.env, forged)).status).toBe(404);
    expect((await call(edge.env, forged, { method: "POST" })).status).toBe(404);
    // another event's link for the same ticket id is not this event's
    expect((await call(edge.env, `/queue/other-event/resume/${code}`, { method: "POST" })).status).toBe(404);
    await admitHead(eventId, 1);
    const late = await call(edge.env, `/queue/${eventId}/resume/${code}`, { method: "POST" });
    expect(late.status).toBe(409);
    expect(await late.json()).toMatchObject({ code: "ALREADY_ADMITTED" });
    expect((await call(edge.env, `/queue/${eventId}/claim`, { method: "POST", jar: fan.jar })).status).toBe(200);
  });
});
