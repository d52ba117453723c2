/**
 * Fans of the line-loss tests, each a real client of the edge from its own IP: it joins,
 * waits on the SSE stream with the standard `eventsource` client (which reconnects by
 * itself after `retry`, and stops for good on a non-200 answer or a 204), claims its turn
 * and buys one seat. Everything it is told is recorded with the time it arrived, so a test
 * can check afterwards what each fan saw between the loss of Redis and its restore.
 */
import { EventSource } from "eventsource";

export interface Seen {
  at: number;
  event: string;
  data: any;
}

export interface Answer {
  at: number;
  step: string;
  status: number;
  body: any;
  json: boolean;
  retryAfter: string | null;
}

/** The claims of a queue ticket (a JWT), read without checking it: the fan's own view. */
export function ticketClaims(ticket: string): { tid: string; num: number; evt: string } {
  return JSON.parse(Buffer.from(ticket.split(".")[1]!, "base64url").toString());
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class LineFan {
  ticket = "";
  tid = "";
  num = 0;
  readonly seen: Seen[] = [];
  readonly answers: Answer[] = [];
  /** how the fan's stream ended: the final event, or the status of a refused connection */
  streamEnd: string | null = null;
  boughtSeat: string | null = null;
  private stopStream: (() => void) | null = null;

  constructor(readonly edge: string, readonly eventId: string, readonly ip: string) {}

  async call(step: string, path: string, init: RequestInit = {}): Promise<Answer> {
    const headers = { "cf-connecting-ip": this.ip, ...(this.ticket ? { "x-queue-ticket": this.ticket } : {}), ...(init.headers as Record<string, string>) };
    let answer: Answer;
    try {
      const res = await fetch(`${this.edge}${path}`, { ...init, headers });
      const text = await res.text();
      let body: any = null;
      let json = false;
      try {
        body = JSON.parse(text);
        json = true;
      } catch {
        body = text;
      }
      answer = { at: Date.now(), step, status: res.status, body, json, retryAfter: res.headers.get("retry-after") };
    } catch {
      answer = { at: Date.now(), step, status: 0, body: null, json: false, retryAfter: null };
    }
    this.answers.push(answer);
    return answer;
  }

  /** Joins until placed (a 503 is retried after its Retry-After, as a client should). */
  async join(deadline: number): Promise<boolean> {
    while (Date.now() < deadline) {
      const r = await this.call("join", `/queue/${this.eventId}/join`, { method: "POST" });
      if ((r.status === 201 || r.status === 200) && r.body?.ticket) {
        this.ticket = r.body.ticket;
        ({ tid: this.tid, num: this.num } = ticketClaims(this.ticket));
        return true;
      }
      if (r.status !== 503 && r.status !== 0 && r.status !== 429) return false;
      await sleep(Math.min(3000, 1000 * Number(r.retryAfter ?? 1)));
    }
    return false;
  }

  /** Opens the stream; resolves with the final event (`admitted`, `expired`, `closed`) or how the client gave up. */
  wait(deadline: number): Promise<string> {
    return new Promise((resolve) => {
      const ticket = () => this.ticket;
      const withTicket = ((input: RequestInfo | URL, init: RequestInit = {}) =>
        fetch(input, { ...init, headers: { ...(init.headers as Record<string, string>), "x-queue-ticket": ticket(), "cf-connecting-ip": this.ip } })) as typeof fetch;
      const es = new EventSource(`${this.edge}/queue/${this.eventId}/events`, { fetch: withTicket });
      this.stopStream = () => finish("stopped");
      const finish = (how: string) => {
        clearTimeout(timer);
        this.streamEnd ??= how;
        es.close();
        resolve(how);
      };
      const timer = setTimeout(() => finish("timeout"), Math.max(0, deadline - Date.now()));
      for (const event of ["position", "restoring", "admitted", "expired", "closed"]) {
        es.addEventListener(event, (e) => {
          let data: any = e.data;
          try {
            data = JSON.parse(e.data);
          } catch {}
          this.seen.push({ at: Date.now(), event, data });
          if (event === "admitted" || event === "expired" || event === "closed") finish(event);
        });
      }
      es.onerror = (e) => {
        // a closed client will not reconnect: the edge refused the stream (`code` = its status)
        if (es.readyState === EventSource.CLOSED) finish(`refused ${e.code ?? "?"}`);
      };
    });
  }

  /** Stops waiting (the test is over); a fan already buying goes on. */
  close() {
    this.stopStream?.();
  }

  /** Claims the turn (retrying a 503 after Retry-After), holds a free seat and buys it. */
  async buy(pickSeat: () => string, deadline: number): Promise<string> {
    let claim: Answer;
    for (;;) {
      claim = await this.call("claim", `/queue/${this.eventId}/claim`, { method: "POST" });
      if (claim.status !== 503 && claim.status !== 0) break;
      if (Date.now() > deadline) return `claim ${claim.status}`;
      await sleep(Math.min(2000, 1000 * Number(claim.retryAfter ?? 1)));
    }
    if (claim.status !== 200) return `claim ${claim.status} ${claim.body?.code}`;
    const auth = { authorization: `Bearer ${claim.body.activeToken}`, "content-type": "application/json" };
    for (let attempt = 0; attempt < 20 && Date.now() < deadline; attempt++) {
      const seatId = pickSeat();
      const held = await this.call("hold", `/api/events/${this.eventId}/holds`, { method: "POST", headers: auth, body: JSON.stringify({ seatIds: [seatId] }) });
      if (held.status === 409) continue;
      if (held.status === 503 || held.status === 0) {
        await sleep(Math.min(2000, 1000 * Number(held.retryAfter ?? 1)));
        continue;
      }
      if (held.status !== 201) return `hold ${held.status} ${held.body?.code}`;
      const key = crypto.randomUUID();
      for (;;) {
        const bought = await this.call("purchase", `/api/events/${this.eventId}/holds/${held.body.holdId}/purchase`, { method: "POST", headers: { ...auth, "idempotency-key": key } });
        if (bought.status === 201) {
          this.boughtSeat = seatId;
          return "bought";
        }
        if ((bought.status === 503 || bought.status === 0) && Date.now() < deadline) {
          await sleep(Math.min(2000, 1000 * Number(bought.retryAfter ?? 1)));
          continue;
        }
        if (bought.status === 409 || bought.status === 410) break; // the hold was lost: try another seat
        return `purchase ${bought.status} ${bought.body?.code}`;
      }
    }
    return "no seat";
  }
}

/** Every answer the project gave that was an error without a clean JSON `{code, message}`, or a 500. */
export function uncleanAnswers(fans: LineFan[]): Answer[] {
  return fans.flatMap((f) => f.answers).filter((a) => a.status === 500 || (a.status >= 400 && (!a.json || typeof a.body?.code !== "string" || typeof a.body?.message !== "string")));
}
