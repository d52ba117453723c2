/** Server-Sent Events over a raw socket: the cheapest client a bench can hold 10,000 of at once. */
import { connect, type Socket } from "node:net";
import { SseParser } from "../../test/kit/sse.ts";

/**
 * A minimal SSE client on a raw socket, cheap enough to hold 10,000 at once. It undoes
 * HTTP/1.1 chunked framing (proxies re-chunk streams, splitting lines) before counting events.
 */
export function openStream(port: number, path: string, cookie: string, timeoutMs = 30_000): Promise<{ socket: Socket; events: () => number }> {
  return new Promise((resolve, reject) => {
    let events = 0;
    const parser = new SseParser();
    let opened = false;
    let raw = "";
    let headersDone = false;
    let chunked = false;
    const consume = () => {
      if (!headersDone) {
        const end = raw.indexOf("\r\n\r\n");
        if (end < 0) return;
        chunked = /transfer-encoding:\s*chunked/i.test(raw.slice(0, end));
        raw = raw.slice(end + 4);
        headersDone = true;
      }
      let text = "";
      if (!chunked) {
        text += raw;
        raw = "";
      } else {
        for (;;) {
          const eol = raw.indexOf("\r\n");
          if (eol < 0) break;
          const size = parseInt(raw.slice(0, eol), 16);
          if (raw.length < eol + 2 + size + 2) break;
          text += raw.slice(eol + 2, eol + 2 + size);
          raw = raw.slice(eol + 2 + size + 2);
        }
      }
      for (const message of parser.push(text)) if ("event" in message && message.event === "position") events++;
    };
    const socket = connect(port, "127.0.0.1", () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nCookie: ${cookie}\r\n\r\n`);
    });
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      raw += chunk;
      consume();
      if (!opened && events > 0) {
        opened = true;
        resolve({ socket, events: () => events });
      }
    });
    socket.on("error", (e) => {
      if (!opened) reject(e);
    });
    setTimeout(() => {
      if (!opened) {
        socket.destroy();
        reject(new Error(`a stream did not open within ${timeoutMs / 1000} s`));
      }
    }, timeoutMs).unref();
  });
}
