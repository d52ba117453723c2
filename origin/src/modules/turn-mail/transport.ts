/**
 * The SMTP side of the turn email: one pooled nodemailer transport per origin, made from the
 * SMTP_* / MAIL_FROM settings (origin/src/config.ts), as many connections as sends at once.
 */
import nodemailer from "nodemailer";
import type { MailConfig } from "../../config.ts";
import type { TurnMail } from "./message.ts";

export interface MailTransport {
  send(mail: TurnMail): Promise<void>;
  close(): void;
}

export function smtpTransport(c: MailConfig): MailTransport {
  const transport = nodemailer.createTransport({
    host: c.host,
    port: c.port,
    secure: c.secure,
    auth: c.user ? { user: c.user, pass: c.password ?? "" } : undefined,
    pool: true,
    maxConnections: c.concurrency,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  return {
    async send(mail) {
      await transport.sendMail({ from: c.from, to: mail.to, subject: mail.subject, text: mail.text, textEncoding: "base64" });
    },
    close: () => transport.close(),
  };
}
