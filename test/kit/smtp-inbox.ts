/**
 * A real SMTP server on a free local port (the `smtp-server` package) for the identity
 * step's tests: it takes every message the origin sends and keeps it, so a test reads the
 * one-time code out of the email a fan would get, waiting for it to arrive.
 */
import { SMTPServer } from "smtp-server";
import { freePort } from "./free-port.ts";
import { waitUntil } from "./wait.ts";

export interface Mail {
  to: string;
  raw: string;
}

export interface SmtpInbox {
  url: string;
  mails: Mail[];
  /** the next mail to `to` after the ones already read, waited for */
  nextTo(to: string, timeoutMs?: number): Promise<Mail>;
  /** the six-digit code of a mail */
  codeOf(mail: Mail): string;
  stop(): Promise<void>;
}

export async function startSmtpInbox(): Promise<SmtpInbox> {
  const mails: Mail[] = [];
  const read = new Set<Mail>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        for (const rcpt of session.envelope.rcptTo) mails.push({ to: rcpt.address, raw });
        callback();
      });
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    async nextTo(to, timeoutMs = 15_000) {
      let found: Mail | undefined;
      await waitUntil(`a mail to ${to}`, async () => !!(found = mails.find((m) => m.to === to && !read.has(m))), timeoutMs, 20);
      read.add(found!);
      return found!;
    },
    codeOf(mail) {
      const m = /Subject: Your code: (\d{6})/.exec(mail.raw);
      if (!m) throw new Error(`no code in the mail: ${mail.raw.slice(0, 300)}`);
      return m[1]!;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
