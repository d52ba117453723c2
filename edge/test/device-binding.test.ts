/**
 * Places bound to the fan's device (issue 20, item 3), through the Worker in workerd: a join
 * with a DPoP proof gets a ticket bound to its key, the claim a token bound to it, and every
 * claim and /api call with them needs a fresh proof by that key. The organiser's setting
 * (`deviceBinding` in the queue state) decides whether unbound places are allowed.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";

setDefaultTimeout(30_000);
import { decodeJwt } from "jose";
import { eventKeys } from "../../common/keys.ts";
import { checked, Contract } from "../../test/helpers/contract.ts";
import { spectralProblems } from "../../test/helpers/spectral.ts";
import { startBridge } from "../../test/kit/bridge.ts";
import { makeDeviceKey, type DeviceKeyClient } from "../../test/kit/dpop.ts";
import { uniqueEventId } from "../../test/kit/event-ids.ts";
import { startWorkerdEdge, type WorkerdEdge } from "../../test/kit/workerd-edge.ts";
import { admitHead, dropEvent, openQueue, redis } from "./helpers/redis.ts";

let bridge: Awaited<ReturnType<typeof startBridge>>;
let edge: WorkerdEdge;
let upstream: ReturnType<typeof Bun.serve>;
const forwarded: Array<{ method: string; path: string; dpop: string | null }> = [];
let contract: Contract;
/** what the edge's OpenAPI document says against every answer the tests got */
const problems: string[] = [];
const events: string[] = [];

beforeAll(async () => {
  bridge = await startBridge();
  // the origin's place: answers every forwarded call, and records what reached it
  upstream = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(req) {
      forwarded.push({ method: req.method, path: new URL(req.url).pathname, dpop: req.headers.get("dpop") });
      return Response.json({ ok: true }, { status: req.method === "POST" ? 201 : 200 });
    },
  });
  edge = await startWorkerdEdge({
    upstashUrl: bridge.url,
    originUrl: `http://127.0.0.1:${upstream.port}`,
    vars: { TICK_MS: "100", JOIN_LIMIT_PER_MINUTE: "100000", TICKET_LIMIT_PER_MINUTE: "100000" },
  });
  contract = await Contract.load((await (await fetch(`${edge.url}/openapi.json`)).json()) as Record<string, unknown>);
}, 120_000);

afterAll(async () => {
  await edge?.stop();
  upstream?.stop(true);
  await Promise.all(events.map(dropEvent));
  await bridge?.stop();
});

async function sale(label: string, deviceBinding: "off" | "optional" | "required") {
  const eventId = uniqueEventId(label);
  events.push(eventId);
  await openQueue(eventId, deviceBinding === "off" ? {} : { deviceBinding });
  return eventId;
}

/** An app: its own ticket and token in headers (no cookies), and, when it has one, a device key. */
class App {
  ticket: string | null = null;
  token: string | null = null;
  constructor(readonly key: DeviceKeyClient | null) {}

  async send(method: string, path: string, opts: { proof?: string | null; body?: unknown; as?: "ticket" | "token" | "none" } = {}): Promise<Response> {
    const headers = new Headers();
    const as = opts.as ?? (path.startsWith("/api/") ? "token" : "ticket");
    const sent = as === "ticket" ? this.ticket : as === "token" ? this.token : null;
    if (as === "ticket" && this.ticket) headers.set("x-queue-ticket", this.ticket);
    if (as === "token" && this.token) headers.set("authorization", `DPoP ${this.token}`);
    const proof = opts.proof !== undefined ? opts.proof : this.key ? await this.key.proof(method, edge.url + path, { token: sent ?? undefined }) : null;
    if (proof) headers.set("dpop", proof);
    if (opts.body !== undefined) headers.set("content-type", "application/json");
    const res = await fetch(edge.url + path, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
    problems.push(...contract.problems(method, path, await checked(res.clone())));
    return res;
  }

  async join(eventId: string): Promise<Response> {
    const res = await this.send("POST", `/queue/${eventId}/join`);
    if (res.ok) this.ticket = ((await res.clone().json()) as { ticket: string }).ticket;
    return res;
  }

  async claim(eventId: string, proof?: string | null): Promise<Response> {
    const res = await this.send("POST", `/queue/${eventId}/claim`, { proof });
    if (res.ok) this.token = ((await res.clone().json()) as { activeToken: string }).activeToken;
    return res;
  }
}

/** A fan of an `optional` or `required` sale who joined with a key and claimed. */
async function boundSession(label: string) {
  const eventId = await sale(label, "optional");
  const app = new App(await makeDeviceKey());
  expect((await app.join(eventId)).status).toBe(201);
  await admitHead(eventId, 1);
  expect((await app.claim(eventId)).status).toBe(200);
  return { eventId, app };
}

const code = async (res: Response) => ((await res.json()) as { code: string }).code;

describe("binding a place to the device", () => {
  test("a join with a proof gets a ticket bound to the key's thumbprint (cnf.jkt), and its claim an active token bound to the same key", async () => {
    const eventId = await sale("bind", "optional");
    const app = new App(await makeDeviceKey());
    expect((await app.join(eventId)).status).toBe(201);
    expect(decodeJwt(app.ticket!).cnf).toEqual({ jkt: app.key!.jkt });
    await admitHead(eventId, 1);
    expect((await app.claim(eventId)).status).toBe(200);
    expect(decodeJwt(app.token!).cnf).toEqual({ jkt: app.key!.jkt });
    const res = await app.send("GET", `/api/events/${eventId}/seats`);
    expect(res.status).toBe(200);
    // the proof is the edge's business: it does not travel upstream
    expect(forwarded.at(-1)).toEqual({ method: "GET", path: `/api/events/${eventId}/seats`, dpop: null });
  });

  test("optional: an app without WebCrypto joins, claims and calls /api unbound, with no proof", async () => {
    const eventId = await sale("unbound", "optional");
    const app = new App(null);
    expect((await app.join(eventId)).status).toBe(201);
    expect(decodeJwt(app.ticket!).cnf).toBeUndefined();
    await admitHead(eventId, 1);
    expect((await app.claim(eventId)).status).toBe(200);
    expect(decodeJwt(app.token!).cnf).toBeUndefined();
    expect((await app.send("POST", `/api/events/${eventId}/holds`, { body: { seatIds: ["A-1-1"] } })).status).toBe(201);
  });

  test("off: a proof binds nothing, and nothing is asked of anyone", async () => {
    const eventId = await sale("off", "off");
    const app = new App(await makeDeviceKey());
    expect((await app.join(eventId)).status).toBe(201);
    expect(decodeJwt(app.ticket!).cnf).toBeUndefined();
  });

  test("required: a join without a proof is refused (403 DEVICE_BINDING_REQUIRED) and takes no number; an unbound ticket cannot claim", async () => {
    const eventId = await sale("required", "required");
    const app = new App(null);
    const res = await app.join(eventId);
    expect(res.status).toBe(403);
    expect(await code(res)).toBe("DEVICE_BINDING_REQUIRED");
    expect(await redis.get(eventKeys(eventId).seq)).toBeNull();

    // a ticket from before the organiser required binding
    await redis.hdel(eventKeys(eventId).queueState, "deviceBinding");
    await Bun.sleep(150); // the isolate's shared read is at most a tick (100 ms) old
    expect((await app.join(eventId)).status).toBe(201);
    await admitHead(eventId, 1);
    await redis.hset(eventKeys(eventId).queueState, "deviceBinding", "required");
    await Bun.sleep(150);
    const claim = await app.claim(eventId);
    expect(claim.status).toBe(403);
    expect(await code(claim)).toBe("DEVICE_BINDING_REQUIRED");

    const bound = new App(await makeDeviceKey());
    expect((await bound.join(eventId)).status).toBe(201);
    expect(decodeJwt(bound.ticket!).cnf).toEqual({ jkt: bound.key!.jkt });
  });

  test("the waiting page of a sale that binds places leaves the join to its script (which holds the key)", async () => {
    const eventId = await sale("page", "optional");
    const res = await fetch(`${edge.url}/events/${eventId}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('data-device-binding="optional"');
    expect(html).toContain('data-joining="1"');
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await redis.get(eventKeys(eventId).seq)).toBeNull();
  });
});

describe("the resume link in a sale that binds places", () => {
  test("required: the device that opens the link binds its own key to the moved place, which claims there; without a proof nothing moves, and the old device is refused", async () => {
    const eventId = await sale("resume-bound", "required");
    const laptop = new App(await makeDeviceKey());
    expect((await laptop.join(eventId)).status).toBe(201);
    const laptopTid = decodeJwt(laptop.ticket!).tid as string;
    // the laptop's waiting page names its place's link; the link's page has its script make a key
    const page = await fetch(`${edge.url}/events/${eventId}`, { headers: { "x-queue-ticket": laptop.ticket! } });
    const link = /data-resume-path="([^"]+)"/.exec(await page.text())![1]!;
    expect(await (await fetch(edge.url + link)).text()).toContain('data-device-binding="required"');

    // a browser that cannot make a key moves nothing: its place could never claim
    const keyless = await new App(null).send("POST", link, { as: "none" });
    expect(keyless.status).toBe(403);
    expect(await code(keyless)).toBe("DEVICE_BINDING_REQUIRED");
    expect(await redis.zscore(eventKeys(eventId).queue, laptopTid)).toBe("1");

    const phone = new App(await makeDeviceKey());
    const moved = await phone.send("POST", link, { as: "none" });
    expect(moved.status).toBe(200);
    phone.ticket = ((await moved.json()) as { ticket: string }).ticket;
    expect(decodeJwt(phone.ticket).cnf).toEqual({ jkt: phone.key!.jkt });

    await admitHead(eventId, 1);
    // the laptop no longer holds the place, with its own key or not
    const old = await laptop.claim(eventId);
    expect(old.ok).toBe(false);
    expect(laptop.token).toBeNull();
    // the phone's ticket copied without the phone's key claims nothing; the phone does
    expect(await code(await phone.claim(eventId, null))).toBe("DPOP_REQUIRED");
    expect((await phone.claim(eventId)).status).toBe(200);
    expect(decodeJwt(phone.token!).cnf).toEqual({ jkt: phone.key!.jkt });
  });
});

describe("a copied ticket or token is refused", () => {
  test("a bound ticket without a proof is refused at the join and the claim (401 DPOP_REQUIRED), with another key's proof too (403 DPOP_WRONG_KEY); the owner then claims", async () => {
    const eventId = await sale("copied-ticket", "optional");
    const owner = new App(await makeDeviceKey());
    expect((await owner.join(eventId)).status).toBe(201);
    await admitHead(eventId, 1);

    const bare = new App(null);
    bare.ticket = owner.ticket;
    const noProof = await bare.claim(eventId);
    expect(noProof.status).toBe(401);
    expect(noProof.headers.get("www-authenticate")).toContain("DPoP");
    expect(await code(noProof)).toBe("DPOP_REQUIRED");
    expect(await code(await bare.join(eventId))).toBe("DPOP_REQUIRED");

    const thief = new App(await makeDeviceKey());
    thief.ticket = owner.ticket;
    const other = await thief.claim(eventId);
    expect(other.status).toBe(403);
    expect(await code(other)).toBe("DPOP_WRONG_KEY");
    expect((await thief.join(eventId)).status).toBe(403);

    expect((await owner.claim(eventId)).status).toBe(200);
  });

  test("a bound active token is refused at /api without a proof (401 DPOP_REQUIRED) and with another key's (403 DPOP_WRONG_KEY), and nothing reaches the origin; the owner's calls go through", async () => {
    const { eventId, app } = await boundSession("copied-token");
    const before = forwarded.length;
    const bare = new App(null);
    bare.token = app.token;
    const noProof = await bare.send("POST", `/api/events/${eventId}/holds`, { body: { seatIds: ["A-1-1"] } });
    expect(noProof.status).toBe(401);
    expect(await code(noProof)).toBe("DPOP_REQUIRED");
    const thief = new App(await makeDeviceKey());
    thief.token = app.token;
    const other = await thief.send("GET", `/api/events/${eventId}/holds`);
    expect(other.status).toBe(403);
    expect(await code(other)).toBe("DPOP_WRONG_KEY");
    // the token as a cookie (a browser's copy) is bound all the same
    const cookie = await fetch(`${edge.url}/api/events/${eventId}/seats`, { headers: { cookie: `cu_act_${eventId}=${app.token}` } });
    expect(await code(cookie)).toBe("DPOP_REQUIRED");
    expect(forwarded.length).toBe(before);

    expect((await app.send("POST", `/api/events/${eventId}/holds`, { body: { seatIds: ["A-1-1"] } })).status).toBe(201);
    expect(forwarded.length).toBe(before + 1);
  });
});

describe("a proof is good for one request, once, for a minute", () => {
  test("a proof cannot be replayed: a claim's, a change's (remembered in Redis for the window) and a read's", async () => {
    const eventId = await sale("replay", "optional");
    const app = new App(await makeDeviceKey());
    await app.join(eventId);
    await admitHead(eventId, 1);
    const claimProof = await app.key!.proof("POST", `${edge.url}/queue/${eventId}/claim`, { token: app.ticket!, jti: "claim-proof-jti-0001" });
    expect((await app.claim(eventId, claimProof)).status).toBe(200);
    const again = await app.send("POST", `/queue/${eventId}/claim`, { proof: claimProof });
    expect(again.status).toBe(401);
    expect(await code(again)).toBe("DPOP_REPLAYED");
    const remembered = await redis.pttl(eventKeys(eventId).proof(app.key!.jkt, "claim-proof-jti-0001"));
    expect(remembered).toBeGreaterThan(55_000);
    expect(remembered).toBeLessThanOrEqual(65_000);

    const path = `/api/events/${eventId}/holds`;
    const hold = await app.key!.proof("POST", edge.url + path, { token: app.token! });
    expect((await app.send("POST", path, { proof: hold, body: { seatIds: ["A-1-1"] } })).status).toBe(201);
    const replayedHold = await app.send("POST", path, { proof: hold, body: { seatIds: ["A-1-2"] } });
    expect(await code(replayedHold)).toBe("DPOP_REPLAYED");

    const read = await app.key!.proof("GET", edge.url + path, { token: app.token! });
    expect((await app.send("GET", path, { proof: read })).status).toBe(200);
    expect(await code(await app.send("GET", path, { proof: read }))).toBe("DPOP_REPLAYED");
  });

  test("100 concurrent sends of one proof for a change: exactly one goes through", async () => {
    const { eventId, app } = await boundSession("replay-race");
    const path = `/api/events/${eventId}/holds`;
    const proof = await app.key!.proof("POST", edge.url + path, { token: app.token! });
    const before = forwarded.length;
    const answers = await Promise.all(Array.from({ length: 100 }, () => app.send("POST", path, { proof, body: { seatIds: ["A-1-1"] } })));
    expect(answers.filter((r) => r.status === 201).length).toBe(1);
    expect(answers.filter((r) => r.status === 401).length).toBe(99);
    expect(forwarded.length).toBe(before + 1);
  });

  test("a proof for another method or URL, with an iat too old or in the future, for another token, or not signed by its key is refused with its own code", async () => {
    const { eventId, app } = await boundSession("refusals");
    const path = `/api/events/${eventId}/seats`;
    const url = edge.url + path;
    const token = app.token!;
    const now = Math.floor(Date.now() / 1000);
    const cases: Array<[string, Promise<string>, string]> = [
      ["other method", app.key!.proof("POST", url, { token }), "DPOP_WRONG_REQUEST"],
      ["other URL", app.key!.proof("GET", `${edge.url}/api/events/${eventId}/holds`, { token }), "DPOP_WRONG_REQUEST"],
      ["other host", app.key!.proof("GET", `http://evil.example${path}`, { token }), "DPOP_WRONG_REQUEST"],
      ["iat 61 s old", app.key!.proof("GET", url, { token, iat: now - 61 }), "DPOP_STALE"],
      ["iat 30 s ahead", app.key!.proof("GET", url, { token, iat: now + 30 }), "DPOP_STALE"],
      ["ath of another token", app.key!.proof("GET", url, { token: app.ticket! }), "DPOP_WRONG_TOKEN"],
      ["no ath", app.key!.proof("GET", url, { token, noAth: true }), "DPOP_WRONG_TOKEN"],
      ["signature of another key", makeDeviceKey().then(async (k) => { const [h, p] = (await k.proof("GET", url, { token })).split("."); const [, , s] = (await app.key!.proof("GET", url, { token })).split("."); return `${h}.${p}.${s}`; }), "DPOP_INVALID"],
      ["not a JWT", Promise.resolve("not-a-proof"), "DPOP_INVALID"],
    ];
    for (const [what, proof, expected] of cases) {
      const res = await app.send("GET", path, { proof: await proof });
      expect({ what, status: res.status, code: await code(res) }).toEqual({ what, status: 401, code: expected });
    }
    const stale = await app.send("GET", path, { proof: await app.key!.proof("GET", url, { token, iat: now - 120 }) });
    expect(Math.abs(Date.parse(stale.headers.get("date")!) - Date.now())).toBeLessThan(5_000);
    // a proof 50 s old is still within the window
    expect((await app.send("GET", path, { proof: await app.key!.proof("GET", url, { token, iat: now - 50 }) })).status).toBe(200);
  });
});

describe("the waiting list of a bound sale", () => {
  test("a join of the list with a proof gets a ticket bound to the key; without one it is refused; a bound ticket proves its own key; the line-stopped page serves the list to a script that asks", async () => {
    const eventId = await sale("bound-list", "required");
    // sold out, and the leader has checked the list against MySQL on this Redis run
    const runId = /run_id:(\w+)/.exec(await redis.info("server"))![1]!;
    await redis.hset(eventKeys(eventId).queueState, { status: "soldout", waitlistRun: runId });
    const app = new App(await makeDeviceKey());
    const joined = await app.send("POST", `/queue/${eventId}/waitlist`, { body: { quantity: 2 } });
    expect(joined.status).toBe(201);
    app.ticket = ((await joined.json()) as { ticket: string }).ticket;
    expect(decodeJwt(app.ticket).cnf).toEqual({ jkt: app.key!.jkt });
    // the same ticket again, with its key's proof: the same entry
    expect((await app.send("POST", `/queue/${eventId}/waitlist`, { body: { quantity: 2 } })).status).toBe(200);
    // that ticket without a proof, or with another key's: refused
    const thief = new App(null);
    thief.ticket = app.ticket;
    const copied = await thief.send("POST", `/queue/${eventId}/waitlist`, { body: { quantity: 2 } });
    expect({ status: copied.status, code: await code(copied) }).toEqual({ status: 401, code: "DPOP_REQUIRED" });
    const other = new App(await makeDeviceKey());
    other.ticket = app.ticket;
    const wrong = await other.send("POST", `/queue/${eventId}/waitlist`, { body: { quantity: 2 } });
    expect({ status: wrong.status, code: await code(wrong) }).toEqual({ status: 403, code: "DPOP_WRONG_KEY" });
    // no ticket and no proof: a required sale gives no entry
    const bare = await new App(null).send("POST", `/queue/${eventId}/waitlist`, { body: { quantity: 1 } });
    expect({ status: bare.status, code: await code(bare) }).toEqual({ status: 403, code: "DEVICE_BINDING_REQUIRED" });

    // the sold-out page carries the list's form and the sale's binding, for its script
    const soldOut = await fetch(`${edge.url}/events/${eventId}`);
    expect(soldOut.status).toBe(410);
    const html = await soldOut.text();
    expect(html).toContain('id="waitlist-form"');
    expect(html).toContain('data-device-binding="required"');

    // a line stopped by the honest line: the page a script opens when its join is told so
    const stopped = await sale("bound-stopped", "required");
    await redis.hset(eventKeys(stopped).queueState, { honestStop: 1 });
    const plain = await fetch(`${edge.url}/events/${stopped}`);
    expect(plain.status).toBe(200);
    expect(await plain.text()).not.toContain('id="waitlist-form"');
    const asked = await fetch(`${edge.url}/events/${stopped}?waitlist`);
    expect(asked.status).toBe(409);
    expect(await asked.text()).toContain('id="waitlist-form"');
  });
});

describe("the edge's OpenAPI document", () => {
  test("describes the DPoP header and every refusal above as it was answered, and still passes Spectral", async () => {
    const document = (await (await fetch(`${edge.url}/openapi.json`)).json()) as any;
    for (const [path, method] of [["/queue/{eventId}/join", "post"], ["/queue/{eventId}/waitlist", "post"], ["/queue/{eventId}/claim", "post"], ["/api/events/{eventId}/holds", "post"], ["/api/events/{eventId}/seats", "get"]] as const) {
      expect(document.paths[path][method].parameters.map((p: { name?: string }) => p.name)).toContain("DPoP");
    }
    expect(problems).toEqual([]);
    expect(await spectralProblems(document)).toEqual([]);
  });
});
