/**
 * The one Server-Sent Events reader of tests, chaos and benches: a parser that turns text
 * as it arrives into events and comments (for clients that read raw sockets), and a reader
 * of a fetch Response's body built on it.
 */

export type SseMessage = { event: string; data: string; id?: string } | { comment: string };

/** Splits a stream's text into messages; keeps what is not a whole message yet for the next push. */
export class SseParser {
  private buffer = "";
  /** the reconnect interval the server last asked for (`retry:`), if any */
  retry: number | null = null;

  /** Adds text and answers the messages it completed, in order. */
  push(text: string): SseMessage[] {
    this.buffer += text;
    const messages: SseMessage[] = [];
    for (let end = this.buffer.indexOf("\n\n"); end >= 0; end = this.buffer.indexOf("\n\n")) {
      const message = this.parseBlock(this.buffer.slice(0, end));
      this.buffer = this.buffer.slice(end + 2);
      if (message) messages.push(message);
    }
    return messages;
  }

  /** One block: an event, a comment (a heartbeat), or nothing (a block of `retry:` alone). */
  private parseBlock(block: string): SseMessage | null {
    const event: { event: string; data: string[]; id?: string } = { event: "message", data: [] };
    let comment: string | null = null;
    let onlyRetry = true;
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) comment = line.slice(1).trim();
      else if (line.startsWith("retry:")) this.retry = Number(line.slice(6));
      else {
        onlyRetry = false;
        if (line.startsWith("event:")) event.event = line.slice(6).trim();
        else if (line.startsWith("data:")) event.data.push(line.slice(5).trim());
        else if (line.startsWith("id:")) event.id = line.slice(3).trim();
      }
    }
    if (!onlyRetry) return { event: event.event, data: event.data.join("\n"), id: event.id };
    return comment === null ? null : { comment };
  }
}

/** Reads Server-Sent Events from a response body. */
export class SseReader {
  private readonly parser = new SseParser();
  private readonly queued: SseMessage[] = [];
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  /** a read still under way when a wait timed out: the next wait takes its chunk, so none is lost */
  private pendingRead: ReturnType<ReadableStreamDefaultReader<Uint8Array>["read"]> | undefined;

  constructor(res: Response) {
    this.reader = res.body!.getReader();
  }

  get retry(): number | null {
    return this.parser.retry;
  }

  /** Next event or comment; null when the stream ended. */
  async next(timeoutMs = 10_000): Promise<SseMessage | null> {
    const deadline = Date.now() + timeoutMs;
    while (this.queued.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("timed out waiting for an SSE event");
      let timer: ReturnType<typeof setTimeout> | undefined;
      this.pendingRead ??= this.reader.read();
      const chunk = await Promise.race([this.pendingRead, new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), left)))]);
      clearTimeout(timer);
      if (chunk === "timeout") throw new Error("timed out waiting for an SSE event");
      this.pendingRead = undefined;
      if (chunk.done) return null;
      this.queued.push(...this.parser.push(this.decoder.decode(chunk.value, { stream: true })));
    }
    return this.queued.shift()!;
  }

  /** Next event with one of these names, its data as sent, skipping heartbeats and other events. */
  async nextOf(names: string[], timeoutMs = 10_000): Promise<{ event: string; data: string; id?: string }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const message = await this.next(Math.max(1, deadline - Date.now()));
      if (message === null) throw new Error(`stream ended before a ${names.join(" or ")} event`);
      if ("event" in message && names.includes(message.event)) return message;
    }
  }

  /** Next event with the given name, its data parsed as JSON. */
  async nextEvent(name: string, timeoutMs = 10_000): Promise<{ event: string; data: any; id?: string }> {
    const message = await this.nextOf([name], timeoutMs);
    return { ...message, data: JSON.parse(message.data) };
  }

  async close() {
    await this.reader.cancel().catch(() => {});
  }
}
