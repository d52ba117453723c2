/**
 * A fan buying through an edge over HTTP, as a browser would: a cookie jar, then join,
 * wait for the turn (polling the status route), claim, read the seat map, hold, buy.
 */
export class Fan {
  private jar = new Map<string, string>();
  /** `pollMs`: how often the status route is asked (the edge limits asks per ticket per minute) */
  constructor(
    private readonly edgeUrl: string,
    private readonly pollMs = 250,
  ) {}

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.jar.size) headers.set("cookie", [...this.jar].map(([k, v]) => `${k}=${v}`).join("; "));
    const res = await fetch(this.edgeUrl + path, { ...init, headers, redirect: "manual" });
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(";")[0]!;
      const name = pair.slice(0, pair.indexOf("="));
      const value = pair.slice(pair.indexOf("=") + 1);
      if (value === "" || /max-age=0/i.test(c)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return res;
  }

  private async json(path: string, init: RequestInit, expected: number[]): Promise<any> {
    const res = await this.fetch(path, init);
    const body = await res.json().catch(() => null);
    if (!expected.includes(res.status)) throw new Error(`${init.method ?? "GET"} ${path}: ${res.status} ${JSON.stringify(body)}`);
    return body;
  }

  /** Joins the waiting room and polls until admitted (the origin's scheduler admits). */
  async waitForTurn(eventId: string, timeoutMs = 60_000): Promise<void> {
    await this.json(`/queue/${eventId}/join`, { method: "POST" }, [200, 201]);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await this.json(`/queue/${eventId}/status`, {}, [200]);
      if (status.admitted) return;
      if (Date.now() > deadline) throw new Error(`${eventId}: not admitted within ${timeoutMs} ms`);
      await Bun.sleep(this.pollMs);
    }
  }

  async claim(eventId: string): Promise<void> {
    await this.json(`/queue/${eventId}/claim`, { method: "POST" }, [200]);
  }

  /** The seat map as the origin sends it. */
  async seats(eventId: string): Promise<unknown> {
    return this.json(`/api/events/${eventId}/seats`, {}, [200]);
  }

  async hold(eventId: string, seatIds: string[]): Promise<string> {
    const held = await this.tryHold(eventId, seatIds);
    if (held.status !== 201) throw new Error(`hold ${seatIds.join(",")}: ${held.status} ${JSON.stringify(held.body)}`);
    return held.body.holdId as string;
  }

  /** A hold attempt; the answer's status and body, whatever they are. */
  async tryHold(eventId: string, seatIds: string[]): Promise<{ status: number; body: any }> {
    const res = await this.fetch(`/api/events/${eventId}/holds`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ seatIds }) });
    return { status: res.status, body: await res.json().catch(() => null) };
  }

  /** Buys a hold; the answer's status and body, whatever they are. */
  async buy(eventId: string, holdId: string, idempotencyKey = crypto.randomUUID()): Promise<{ status: number; body: any }> {
    const res = await this.fetch(`/api/events/${eventId}/holds/${holdId}/purchase`, { method: "POST", headers: { "idempotency-key": idempotencyKey } });
    return { status: res.status, body: await res.json().catch(() => null) };
  }
}
