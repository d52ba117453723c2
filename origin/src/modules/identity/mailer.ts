/**
 * Sending the one-time codes of the email identity step: from the origin (a Worker cannot
 * speak SMTP), through the same pooled SMTP transport as the turn email (SMTP_HOST and the
 * rest, modules/turn-mail/transport.ts), so one mail server is set up once.
 */
export interface Mailer {
  send(message: { to: string; subject: string; text: string }): Promise<void>;
}
