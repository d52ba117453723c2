/**
 * A real SMTP server on a free local port (the `smtp-server` package) that keeps every mail
 * it accepts, for the turn email's tests: what the fan would find in their inbox, read back
 * as sender, recipient, subject and text. `delayMs` makes each mail take that long to be
 * accepted, as a slow provider would.
 */
import { SMTPServer } from "smtp-server";
import { freePort } from "./free-port.ts";

export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  raw: string;
}

export interface LocalSmtp {
  port: number;
  mails: ReceivedMail[];
  /** resolves once `count` mails arrived in all */
  received(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  /** the next `n` mails fail with a temporary error (451) */
  failNext(n: number): void;
  delayMs: number;
  stop(): Promise<void>;
}

/** The text of a single-part message as nodemailer writes it (base64, quoted-printable or plain). */
function readMessage(raw: string): { subject: string; text: string } {
  const split = raw.indexOf("\r\n\r\n");
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, " ");
  const body = raw.slice(split + 4);
  const header = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, "im").exec(head)?.[1]?.trim() ?? "";
  const words = (s: string) =>
    s.replace(/=\?utf-8\?([bq])\?([^?]*)\?=\s*/gi, (_, enc: string, data: string) =>
      enc.toLowerCase() === "b" ? Buffer.from(data, "base64").toString("utf8") : Buffer.from(data.replace(/_/g, " ").replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), "latin1").toString("utf8"),
    );
  const encoding = header("Content-Transfer-Encoding").toLowerCase();
  let text = body;
  if (encoding === "base64") text = Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  else if (encoding === "quoted-printable") text = Buffer.from(body.replace(/=\r\n/g, "").replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), "latin1").toString("utf8");
  return { subject: words(header("Subject")), text: text.replace(/\r\n/g, "\n") };
}

export async function startSmtp(): Promise<LocalSmtp> {
  const port = await freePort();
  const mails: ReceivedMail[] = [];
  const waiters: Array<() => void> = [];
  let failing = 0;
  const smtp: LocalSmtp = {
    port,
    mails,
    delayMs: 0,
    failNext: (n) => {
      failing = n;
    },
    received(count, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${mails.length} of ${count} mails arrived`)), timeoutMs);
        const check = () => {
          if (mails.length >= count) {
            clearTimeout(timer);
            resolve(mails);
          } else waiters.push(check);
        };
        check();
      });
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        setTimeout(() => {
          if (failing > 0) {
            failing--;
            const err = new Error("try again later") as Error & { responseCode: number };
            err.responseCode = 451;
            return callback(err);
          }
          const raw = Buffer.concat(chunks).toString("utf8");
          mails.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
            to: session.envelope.rcptTo.map((r) => r.address),
            ...readMessage(raw),
            raw,
          });
          callback();
          for (const w of waiters.splice(0)) w();
        }, smtp.delayMs);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return smtp;
}
