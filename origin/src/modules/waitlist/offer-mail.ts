/**
 * The waiting list's offer email (docs/FEATURES.md, "The waiting list"): a fan who left an
 * email address on the list is told which seats are held for them and until when, with a
 * link to the event's page, where their waiting-list ticket cookie shows the offer, so a fan
 * who closed the page does not miss it. The list keeps no language, so the mail is written in
 * English and then Korean. The keeper queues it on the turn email's mailer (off the tick).
 */
import type { SeatRow } from "../../db/schema/index.ts";
import { clock, type TurnMail } from "../turn-mail/message.ts";

/** The same check as the edge's turn email address (edge/src/routes/turn-mail.ts): a contact that is not an address gets no mail. */
const ADDRESS = /^[^\s@<>()",;:\\[\]]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$/;

/** The address to mail the offer to, or null when the contact left is none (or not an address). */
export function offerAddress(contact: string | null): string | null {
  const address = contact?.trim() ?? "";
  return address.length <= 254 && ADDRESS.test(address) ? address : null;
}

/** The event page the offer email links to: `<public edge URL>/events/<eventId>`. */
export const eventPageUrl = (edgePublicUrl: string, eventId: string) => `${edgePublicUrl}/events/${encodeURIComponent(eventId)}`;

export interface OfferMailInput {
  to: string;
  link: string;
  eventName: string;
  seats: Array<Pick<SeatRow, "section" | "row" | "number">>;
  /** the claim deadline (ms) */
  deadline: number;
  now: number;
  timeZone: string;
}

export function offerMail(m: OfferMailInput): TurnMail {
  const minutes = Math.max(1, Math.floor((m.deadline - m.now) / 60_000));
  const until = clock(m.deadline, m.timeZone);
  const english = m.seats.map((s) => `section ${s.section}, row ${s.row}, seat ${s.number}`);
  const korean = m.seats.map((s) => `${s.section}구역 ${s.row}열 ${s.number}번`);
  return {
    to: m.to,
    subject: `Seats for you from the waiting list: claim by ${until} / 대기 명단 좌석: ${until}까지 확정하세요`,
    text: [
      `Seats came back for ${m.eventName}, and they are held for you from the waiting list:`,
      ...english.map((s) => `  - ${s}`),
      ``,
      `Claim them within ${minutes} minutes, until ${until}, on the event's page (in the browser you joined the list with):`,
      m.link,
      ``,
      `Not claimed in time, they go to the next fan on the list.`,
      `You get this email because you left this address on the waiting list.`,
      ``,
      `${m.eventName}: 대기 명단에서 좌석이 나와 나를 위해 잡아 두었습니다:`,
      ...korean.map((s) => `  - ${s}`),
      ``,
      `${minutes}분 안에, ${until}까지 대기 명단에 등록한 브라우저에서 이벤트 페이지를 열어 확정하세요:`,
      m.link,
      ``,
      `제시간에 확정하지 않으면 좌석이 명단의 다음 팬에게 넘어갑니다.`,
      `대기 명단에 이 주소를 남겨 이 이메일을 받았습니다.`,
    ].join("\n"),
  };
}
