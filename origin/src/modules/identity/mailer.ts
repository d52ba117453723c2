/**
 * Sending the one-time codes of the email identity step: SMTP through nodemailer, from the
 * origin (a Worker cannot speak SMTP). One transport per origin instance, pooled.
 */
import nodemailer from "nodemailer";

export interface Mailer {
  send(message: { to: string; subject: string; text: string }): Promise<void>;
}

/** A mailer on `SMTP_URL` (`smtp://host:port`, `smtps://user:pass@host:port`), sending as `from`. */
export function smtpMailer(url: string, from: string): Mailer {
  const transport = nodemailer.createTransport(url, { from });
  return {
    async send({ to, subject, text }) {
      await transport.sendMail({ to, subject, text });
    },
  };
}
