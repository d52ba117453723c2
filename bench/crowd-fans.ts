/**
 * One process of `bun run bench crowd`'s fans (a process holds at most 20,000 sockets
 * here, so the crowd is split across several). Each fan is a real HTTP client through
 * the edge, from its own IP (CF-Connecting-IP), arriving at its scheduled time: join,
 * wait (on the SSE stream, or, for a share of fans, polling the JSON status at the
 * interval the edge asks for), claim, hold a seat (another one on 409, up to 5 tries, then
 * leave so the slot goes to the next fan), buy it. Prints a progress line a second (`P {...}`) and its results at the end
 * (`R {...}`: HDR histograms, answers by step, status and code, sales).
 *
 * Input: the JSON in CROWD_FANS (see FansInput).
 */
import * as hdr from "hdr-histogram-js";
import { STEPS, type FansInput, type FansProgress, type FansResult, type Step } from "./lib/crowd-protocol.ts";
import { newHistogram, recordMs } from "./lib/latency.ts";

const input = JSON.parse(process.env.CROWD_FANS ?? "{}") as FansInput;
const histograms = new Map<Step, hdr.Histogram>(STEPS.map((s) => [s, newHistogram()]));
const answers = new Map<string, number>();
const sales: FansResult["sales"] = [];
const progress: FansProgress = { joined: 0, streams: 0, polling: 0, bought: 0, failed: 0 };
let maxStreams = 0;
let reconnects = 0;
let placed = 0;
let firstJoinMs = Infinity;
let lastJoinMs = 0;

function answer(step: Step, status: number, code: string) {
  const key = `${step} ${status} ${code}`;
  answers.set(key, (answers.get(key) ?? 0) + 1);
}

/**
 * A browser sends a request again, once, when the kept-alive connection it reused was reset
 * before any answer came (Chromium's HttpNetworkTransaction does this for every method): the
 * server closed that idle connection as the request left. The resend goes on a new
 * connection, as the browser's does (another idle one from the pool may be just as stale),
 * so a reset of the resend is a real failure. Each such resend is counted.
 */
async function fetchAsBrowsers(step: Step, url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (e) {
    if ((e as { code?: string })?.code !== "ECONNRESET") throw e;
    answers.set(`${step} resent ECONNRESET`, (answers.get(`${step} resent ECONNRESET`) ?? 0) + 1);
    return await fetch(url, { ...init, keepalive: false });
  }
}

/** One request, timed and counted; the parsed JSON body (or {}), and the status (0 on a network error). */
async function call(step: Step, url: string, init: RequestInit): Promise<{ status: number; body: any }> {
  const t = performance.now();
  try {
    const res = await fetchAsBrowsers(step, url, init);
    const text = await res.text();
    recordMs(histograms.get(step)!, performance.now() - t);
    let body: any = {};
    try {
      body = text ? JSON.parse(text) : {};
    } catch {}
    answer(step, res.status, res.status >= 300 ? (body.code ?? "-") : "");
    return { status: res.status, body };
  } catch (e) {
    // what the client saw: the connection refused or reset, a timeout, ...
    answer(step, 0, `network ${(e as { code?: string })?.code ?? (e as Error)?.name ?? "error"}`);
    return { status: 0, body: {} };
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Reads one SSE connection; "admitted", "final" (another final event), or "again" (the stream ended: reconnect). */
async function readStream(res: Response, deadline: number, lastId: { value: string }): Promise<"admitted" | "final" | "again"> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const timer = setTimeout(() => void reader.cancel().catch(() => {}), Math.max(0, deadline - Date.now()));
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return "again";
      text += decoder.decode(value, { stream: true });
      const blocks = text.split("\n\n");
      text = blocks.pop()!;
      for (const block of blocks) {
        const id = /^id: (.*)$/m.exec(block)?.[1];
        if (id) lastId.value = id;
        if (/^event: admitted$/m.test(block)) return "admitted";
        if (/^event: (expired|closed)$/m.test(block)) return "final";
      }
    }
  } catch {
    return "again";
  } finally {
    clearTimeout(timer);
    void reader.cancel().catch(() => {});
  }
}

async function waitOnStream(ticket: string, deadline: number): Promise<boolean> {
  const t = performance.now();
  const lastId = { value: "" };
  progress.streams++;
  maxStreams = Math.max(maxStreams, progress.streams);
  try {
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      if (attempt > 0) reconnects++;
      const headers: Record<string, string> = { "x-queue-ticket": ticket, accept: "text/event-stream" };
      if (lastId.value) headers["last-event-id"] = lastId.value;
      const res = await fetch(`${input.edgeUrl}/queue/${input.eventId}/events`, { headers }).catch(() => null);
      if (!res || res.status !== 200) {
        answer("wait", res?.status ?? 0, res ? String(((await res.json().catch(() => ({}))) as any).code ?? "-") : "network");
        await res?.body?.cancel().catch(() => {});
        if (res && res.status < 500 && res.status !== 429) return false;
        await sleep(3000);
        continue;
      }
      const outcome = await readStream(res, deadline, lastId);
      if (outcome === "admitted") {
        recordMs(histograms.get("wait")!, performance.now() - t);
        answer("wait", 200, "");
        return true;
      }
      if (outcome === "final") return false;
      await sleep(3000 * Math.random());
    }
    return false;
  } finally {
    progress.streams--;
  }
}

async function waitPolling(ticket: string, refreshSeconds: number, deadline: number): Promise<boolean> {
  const t = performance.now();
  progress.polling++;
  try {
    while (Date.now() < deadline) {
      await sleep(refreshSeconds * 1000 * (0.5 + Math.random() / 2));
      const r = await call("wait", `${input.edgeUrl}/queue/${input.eventId}/status`, { headers: { "x-queue-ticket": ticket } });
      if (r.status === 200 && r.body.admitted) {
        recordMs(histograms.get("wait")!, performance.now() - t);
        return true;
      }
      if (r.status !== 200 && r.status !== 429 && r.status < 500) return false;
    }
    return false;
  } finally {
    progress.polling--;
  }
}

function seatName(i: number): string {
  return `A-${Math.floor(i / input.seatsPerRow) + 1}-${(i % input.seatsPerRow) + 1}`;
}

async function fan(i: number): Promise<boolean> {
  const began = performance.now();
  const deadline = Date.now() + input.timeoutMs;
  const ip = `2001:db8:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::1`;
  firstJoinMs = Math.min(firstJoinMs, Date.now() - input.startAt);
  const joined = await call("join", `${input.edgeUrl}/queue/${input.eventId}/join`, { method: "POST", headers: { "cf-connecting-ip": ip } });
  lastJoinMs = Math.max(lastJoinMs, Date.now() - input.startAt);
  progress.joined++;
  if (joined.status !== 201 && joined.status !== 200) return false;
  placed++;
  const ticket = joined.body.ticket as string;
  if (!joined.body.admitted) {
    const polls = (i * 2654435761) % 1000 >= input.sseShare * 1000;
    const admitted = polls ? await waitPolling(ticket, joined.body.refreshIntervalSeconds ?? 5, deadline) : await waitOnStream(ticket, deadline);
    if (!admitted) return false;
  }
  const claimed = await call("claim", `${input.edgeUrl}/queue/${input.eventId}/claim`, { method: "POST", headers: { "x-queue-ticket": ticket } });
  if (claimed.status !== 200) return false;
  const auth = { authorization: `Bearer ${claimed.body.activeToken}`, "content-type": "application/json" };
  for (let attempt = 0; attempt < 5; attempt++) {
    const seatId = seatName(Math.floor(Math.random() * input.seats));
    const held = await call("hold", `${input.edgeUrl}/api/events/${input.eventId}/holds`, { method: "POST", headers: auth, body: JSON.stringify({ seatIds: [seatId] }) });
    if (held.status === 409) continue;
    if (held.status !== 201) break;
    const bought = await call("purchase", `${input.edgeUrl}/api/events/${input.eventId}/holds/${held.body.holdId}/purchase`, {
      method: "POST",
      headers: { ...auth, "idempotency-key": crypto.randomUUID() },
    });
    if (bought.status !== 201) break;
    sales.push({ orderId: bought.body.orderId, seatId });
    recordMs(histograms.get("journey")!, performance.now() - began);
    return true;
  }
  // no seat bought: leave, as the sale page's "leave" does, so the slot goes to the next fan
  await call("leave", `${input.edgeUrl}/api/events/${input.eventId}/session`, { method: "DELETE", headers: auth });
  return false;
}

const ticker = setInterval(() => console.log(`P ${JSON.stringify(progress)}`), 1000);
const journeys: Promise<void>[] = [];
for (let i = input.first; i < input.total; i += input.step) {
  const at = input.startAt + (i / input.total) * input.arrivalSeconds * 1000;
  journeys.push(
    sleep(Math.max(0, at - Date.now()))
      .then(() => fan(i))
      .then((ok) => {
        if (ok) progress.bought++;
        else progress.failed++;
      }),
  );
}
await Promise.all(journeys);
clearInterval(ticker);
console.log(`P ${JSON.stringify(progress)}`);
const result: FansResult = {
  histograms: Object.fromEntries(STEPS.map((s) => [s, hdr.encodeIntoCompressedBase64(histograms.get(s)!)])) as Record<Step, string>,
  answers: Object.fromEntries(answers),
  sales,
  bought: progress.bought,
  failed: progress.failed,
  placed,
  firstJoinMs,
  lastJoinMs,
  maxStreams,
  reconnects,
};
console.log(`R ${JSON.stringify(result)}`);
