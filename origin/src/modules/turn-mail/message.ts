/**
 * What the turn email says (docs/COME-BACK.md, "The turn email"): the turn came, the link
 * claims it, once, within the claim window, whose length and end are written out in the
 * fan's language (the waiting page's, English or Korean) and the configured time zone.
 */
export interface TurnMailInput {
  to: string;
  link: string;
  lang: string;
  eventName: string;
  /** the claim deadline (ms) */
  deadline: number;
  now: number;
  timeZone: string;
}

export interface TurnMail {
  to: string;
  subject: string;
  text: string;
}

/** "14:05" in the zone, and the zone's short name ("UTC", "CET"). */
export function clock(at: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone, timeZoneName: "short" }).formatToParts(new Date(at));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("hour")}:${part("minute")} ${part("timeZoneName")}`.trim();
}

export function turnMail(m: TurnMailInput): TurnMail {
  // whole minutes left, rounded down, so the mail never promises more than there is
  const minutes = Math.max(1, Math.floor((m.deadline - m.now) / 60_000));
  const until = clock(m.deadline, m.timeZone);
  if (m.lang === "ko") {
    return {
      to: m.to,
      subject: `내 차례입니다: ${minutes}분 안에 확정하세요 (${until}까지)`,
      text: [
        `${m.eventName}: 내 차례입니다.`,
        ``,
        `${minutes}분 안에, ${until}까지 이 링크에서 확정하세요:`,
        m.link,
        ``,
        `링크는 한 번만, 그 시간까지만 쓸 수 있습니다. 제시간에 확정하지 않으면 차례가 다음 팬에게 넘어갑니다.`,
        `대기실에서 이 주소를 남겨 이 이메일을 받았습니다. 주소는 이제 삭제되었습니다.`,
      ].join("\n"),
    };
  }
  return {
    to: m.to,
    subject: `It is your turn: claim within ${minutes} minutes (until ${until})`,
    text: [
      `It is your turn for ${m.eventName}.`,
      ``,
      `Claim within ${minutes} minutes, until ${until}, with this link:`,
      m.link,
      ``,
      `The link works once, and only until then. A turn not claimed in time goes to the next fan.`,
      `You get this email because you left this address in the waiting room; it has been deleted now.`,
    ].join("\n"),
  };
}
