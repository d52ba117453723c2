/**
 * The fan's pages in the fan's language: the catalogues hold the same texts (keys and the
 * values they fill in), the choice follows ?lang=, then the remembered choice, then
 * Accept-Language, English otherwise; the page says its language in <html lang>, offers the
 * switcher, writes its numbers in the fan's locale and hands its script the same catalogue.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";

setDefaultTimeout(20_000);
import { eventKeys } from "../../common/keys.ts";
import { en } from "../src/i18n/en.ts";
import { chanceLine, waitLine } from "../src/i18n/format.ts";
import { CATALOGUES, chooseLanguage, LANGS } from "../src/i18n/index.ts";
import { ko } from "../src/i18n/ko.ts";
import { useEdgeWorker } from "./helpers/fixture.ts";
import { admitHead, redis } from "./helpers/redis.ts";
import { call } from "./helpers/worker.ts";

const edge = useEdgeWorker();

/** Every text of a catalogue by "section.key", with the `{names}` it fills in. */
const shape = (c: Record<string, Record<string, string>>) =>
  Object.fromEntries(Object.entries(c).flatMap(([section, texts]) => Object.entries(texts).map(([key, text]) => [`${section}.${key}`, [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()])));

const ask = (headers: Record<string, string>, query = "") => chooseLanguage(new Request(`https://queue.example/events/e${query}`, { headers }));

describe("message catalogues", () => {
  test("every language has exactly the English keys, each a non-empty text filling in the same values", () => {
    expect(LANGS).toEqual(["en", "ko"]);
    for (const lang of LANGS) {
      expect({ lang, shape: shape(CATALOGUES[lang]) }).toEqual({ lang, shape: shape(en) });
      for (const texts of Object.values(CATALOGUES[lang])) for (const text of Object.values(texts)) expect(text.trim().length).toBeGreaterThan(0);
    }
    expect(ko.page.heading).not.toBe(en.page.heading);
  });
});

describe("choosing the page's language", () => {
  test("Accept-Language ko or ko-KR gets Korean, in the fan's own locale", () => {
    expect(ask({ "accept-language": "ko" })).toMatchObject({ lang: "ko", locale: "ko", setCookie: null });
    expect(ask({ "accept-language": "ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7" })).toMatchObject({ lang: "ko", locale: "ko-KR" });
    expect(ask({ "accept-language": "ko-kr" }).locale).toBe("ko-KR");
  });

  test("the most wanted language there is a catalogue for wins; unknown, missing or malformed ones get English", () => {
    expect(ask({ "accept-language": "fr-FR, ko;q=0.5, en;q=0.4" }).lang).toBe("ko");
    expect(ask({ "accept-language": "en;q=0.3, ko;q=0.8" }).lang).toBe("ko");
    expect(ask({ "accept-language": "en-GB,ko;q=0.9" })).toMatchObject({ lang: "en", locale: "en-GB" });
    expect(ask({ "accept-language": "ko;q=0, de" })).toMatchObject({ lang: "en", locale: "en" });
    expect(ask({ "accept-language": "fr-FR,de;q=0.9" }).lang).toBe("en");
    expect(ask({ "accept-language": "*" }).lang).toBe("en");
    expect(ask({ "accept-language": ";;,==,q=x,@@" }).lang).toBe("en");
    expect(ask({}).lang).toBe("en");
  });

  test("?lang= overrides the browser and is remembered in a cookie, which then overrides it too", () => {
    const chosen = ask({ "accept-language": "ko-KR" }, "?lang=en");
    expect(chosen.lang).toBe("en");
    expect(chosen.setCookie).toStartWith("cu_lang=en; Path=/; Max-Age=31536000;");
    expect(ask({ "accept-language": "ko-KR", cookie: "cu_q_x=1; cu_lang=en" })).toMatchObject({ lang: "en", setCookie: null });
    // the locale stays the fan's own when it is of the chosen language
    expect(ask({ "accept-language": "en-GB" }, "?lang=ko")).toMatchObject({ lang: "ko", locale: "ko" });
    expect(ask({ "accept-language": "en-GB", cookie: "cu_lang=ko" }, "?lang=en")).toMatchObject({ lang: "en", locale: "en-GB" });
    // not a language there is a catalogue for: ignored, nothing remembered
    expect(ask({ "accept-language": "ko" }, "?lang=xx")).toMatchObject({ lang: "ko", setCookie: null });
    expect(ask({ cookie: "cu_lang=<script>" }).lang).toBe("en");
  });

  test("waits and chances are written in the locale", () => {
    expect(waitLine(en.live, "en", 170)).toBe("about 3 minutes");
    expect(waitLine(en.live, "en", 60)).toBe("about 1 minute");
    expect(waitLine(en.live, "en", 20)).toBe("less than a minute");
    expect(waitLine(ko.live, "ko-KR", 170)).toBe("약 3분");
    expect(waitLine(ko.live, "ko", 20)).toBe("1분 미만");
    expect(waitLine(ko.live, "ko", null)).toBe("계산 중");
    expect(chanceLine(en.live, "en", { percent: 96, label: "very likely", text: "very likely" })).toBe("very likely (96 %)");
    expect(chanceLine(ko.live, "ko", { percent: 42, label: "about", text: "about 40 %" })).toBe("약 40%");
  });
});

describe("the waiting room page in the fan's language", () => {
  test("a Korean browser gets the page in Korean: <html lang>, texts, numbers in its locale, and the script's catalogue", async () => {
    const eventId = await edge.freshEvent("i18n-ko", { eventName: "봄 콘서트", venue: "Seoul Arena", startsAt: Date.UTC(2031, 5, 1, 10, 30) });
    // 1,233 numbers given before: this fan is number 1,234
    await redis.set(eventKeys(eventId).seq, 1233);
    const res = await call(edge.env, `/events/${eventId}`, { headers: { "accept-language": "ko-KR,ko;q=0.9,en;q=0.5" } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toStartWith('<!doctype html><html lang="ko-KR">');
    expect(html).toContain(`<title>대기실: 봄 콘서트</title>`);
    expect(html).toContain(`<h1>${ko.page.heading}</h1>`);
    expect(html).toContain(`<p class="big" id="position">1,234</p>`);
    expect(html).toContain(`>${new Intl.DateTimeFormat("ko-KR", { dateStyle: "full", timeStyle: "short", timeZone: "UTC" }).format(Date.UTC(2031, 5, 1, 10, 30))}</time>`);
    expect(html).toContain(`<a href="?lang=ko" hreflang="ko" lang="ko" aria-current="true">한국어</a>`);
    expect(html).toContain(`<a href="?lang=en" hreflang="en" lang="en">English</a>`);
    const texts = html.match(/ data-texts="([^"]+)"/)![1]!.replace(/&#(\d+);/g, (_, c) => String.fromCharCode(Number(c)));
    expect(JSON.parse(texts)).toEqual(ko.live);
    expect(html).not.toContain(en.page.autoNote);
  });

  test("the switcher's ?lang=en gives English and remembers it; without it the browser's language comes back only once the cookie is gone", async () => {
    const eventId = await edge.freshEvent("i18n-switch");
    const jar = new Map<string, string>();
    const korean = { "accept-language": "ko" };
    expect(await (await call(edge.env, `/events/${eventId}`, { jar, headers: korean })).text()).toContain(ko.page.heading);
    const switched = await call(edge.env, `/events/${eventId}?lang=en`, { jar, headers: korean });
    // the ticket's cookie and the language's, both
    expect(switched.headers.getSetCookie().some((c) => c.startsWith("cu_lang=en;"))).toBe(true);
    const html = await switched.text();
    expect(html).toStartWith('<!doctype html><html lang="en">');
    expect(html).toContain(en.page.heading);
    expect(await (await call(edge.env, `/events/${eventId}`, { jar, headers: korean })).text()).toContain(en.page.heading);
    jar.delete("cu_lang");
    expect(await (await call(edge.env, `/events/${eventId}`, { jar, headers: korean })).text()).toContain(ko.page.heading);
  });

  test("message pages speak the fan's language too", async () => {
    const res = await call(edge.env, `/events/i18n-none-${Date.now()}`, { headers: { "accept-language": "ko-KR" } });
    const html = await res.text();
    expect(html).toStartWith('<!doctype html><html lang="ko-KR">');
    expect(html).toMatch(new RegExp(`${ko.page.notFoundTitle}|${ko.page.waitTitle}`));
  });
});

describe("the sale page in the fan's language", () => {
  /** A fan whose turn came and was claimed: the next page is the sale. */
  async function admittedFan(label: string, headers: Record<string, string>) {
    const eventId = await edge.freshEvent(label);
    const jar = new Map<string, string>();
    expect((await call(edge.env, `/queue/${eventId}/join`, { method: "POST", jar, headers })).status).toBe(201);
    await admitHead(eventId, 1);
    expect((await call(edge.env, `/queue/${eventId}/claim`, { method: "POST", jar, headers })).status).toBe(200);
    return { eventId, jar };
  }
  const textsOf = (html: string) => JSON.parse(html.match(/ data-texts="([^"]+)"/)![1]!.replace(/&#(\d+);/g, (_, c) => String.fromCharCode(Number(c))));

  test("a Korean browser gets the sale page in Korean, with the switcher and the script's catalogue; English stays the default", async () => {
    const korean = { "accept-language": "ko-KR,ko;q=0.9" };
    const fan = await admittedFan("i18n-sale-ko", korean);
    const res = await call(edge.env, `/events/${fan.eventId}`, { jar: fan.jar, headers: korean });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toStartWith('<!doctype html><html lang="ko-KR">');
    expect(html).toContain(`<title>${ko.sale.title}</title>`);
    expect(html).toContain(`<button id="hold" class="primary" type="button" disabled>${ko.sale.holdButton}</button>`);
    expect(html).toContain(`<div id="map" role="group" aria-label="${ko.sale.seatMap}">`);
    expect(html).toContain(`<p>가격: <span id="tiers"></span>. 최대 <b id="limit">?</b>석까지 고를 수 있습니다.</p>`);
    expect(html).toContain(`<a href="?lang=ko" hreflang="ko" lang="ko" aria-current="true">한국어</a>`);
    expect(textsOf(html)).toEqual(ko.sale);
    for (const english of [en.sale.holdButton, en.sale.payButton, en.sale.doneHeading, en.sale.yourSeats]) expect(html).not.toContain(english);

    // no language named anywhere: English
    const plain = await admittedFan("i18n-sale-en", {});
    const page = await (await call(edge.env, `/events/${plain.eventId}`, { jar: plain.jar })).text();
    expect(page).toStartWith('<!doctype html><html lang="en">');
    expect(page).toContain(`<h1 id="title">${en.sale.title}</h1>`);
    expect(textsOf(page)).toEqual(en.sale);
  });

  test("?lang= on the sale page switches it and is remembered by cu_lang, as on the waiting page", async () => {
    const korean = { "accept-language": "ko" };
    const fan = await admittedFan("i18n-sale-switch", korean);
    const switched = await call(edge.env, `/events/${fan.eventId}?lang=en`, { jar: fan.jar, headers: korean });
    expect(switched.headers.getSetCookie().some((c) => c.startsWith("cu_lang=en;"))).toBe(true);
    expect(await switched.text()).toContain(en.sale.holdButton);
    expect(await (await call(edge.env, `/events/${fan.eventId}`, { jar: fan.jar, headers: korean })).text()).toContain(en.sale.holdButton);
    const back = await (await call(edge.env, `/events/${fan.eventId}?lang=ko`, { jar: fan.jar })).text();
    expect(back).toContain(ko.sale.holdButton);
    expect(await (await call(edge.env, `/events/${fan.eventId}`, { jar: fan.jar })).text()).toContain(ko.sale.holdButton);
  });
});
