/**
 * Which language a fan's page speaks: `?lang=` (the page's switcher) first, remembered in
 * the `cu_lang` cookie; then that cookie; then the browser's Accept-Language; English when
 * none of them names a language there is a catalogue for. The locale of numbers and dates
 * is the fan's own tag of that language when the browser sent one (ko-KR, en-GB), else the
 * language itself.
 */
import { cookie } from "../http.ts";
import { en, type Catalogue } from "./en.ts";
import { ko } from "./ko.ts";

export const CATALOGUES = { en, ko } satisfies Record<string, Catalogue>;
export type Lang = keyof typeof CATALOGUES;
export const LANGS = Object.keys(CATALOGUES) as Lang[];
/** Each language by its own name, for the switcher. */
export const LANG_NAMES: Record<Lang, string> = { en: "English", ko: "한국어" };
export const LANG_COOKIE = "cu_lang";
const YEAR_SECONDS = 365 * 24 * 3600;

export interface Language {
  lang: Lang;
  /** BCP 47 tag for Intl and <html lang> */
  locale: string;
  t: Catalogue;
  /** the cookie remembering a choice made with ?lang=, for the response; null when nothing was chosen now */
  setCookie: string | null;
}

export const ENGLISH: Language = { lang: "en", locale: "en", t: en, setCookie: null };

const isLang = (s: string | null | undefined): s is Lang => !!s && (LANGS as string[]).includes(s);
const primary = (tag: string) => tag.split("-")[0]!.toLowerCase();

/** The tags of an Accept-Language header, most wanted first (q=0 ones left out), each canonical or dropped. */
export function acceptedTags(header: string | null): string[] {
  if (!header) return [];
  return header
    .split(",")
    .map((part, i) => {
      const [tag = "", ...params] = part.trim().split(";");
      const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
      return { tag: tag.trim(), q: q ? Number(q.slice(2)) : 1, i };
    })
    .filter((x) => x.tag && x.tag !== "*" && Number.isFinite(x.q) && x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i)
    .flatMap((x) => {
      try {
        return Intl.getCanonicalLocales(x.tag);
      } catch {
        return [];
      }
    });
}

function cookieLang(header: string | null): string | null {
  for (const part of (header ?? "").split(";")) {
    const [name, value] = part.trim().split("=");
    if (name === LANG_COOKIE) return value ?? null;
  }
  return null;
}

export function chooseLanguage(request: Request): Language {
  const url = new URL(request.url);
  const asked = url.searchParams.get("lang")?.toLowerCase();
  const tags = acceptedTags(request.headers.get("accept-language"));
  const kept = cookieLang(request.headers.get("cookie"));
  const lang: Lang = isLang(asked) ? asked : isLang(kept) ? kept : ((tags.map(primary).find(isLang) as Lang | undefined) ?? "en");
  const locale = tags.find((tag) => primary(tag) === lang) ?? lang;
  const setCookie = isLang(asked) ? cookie(request, LANG_COOKIE, asked, YEAR_SECONDS) : null;
  return { lang, locale, t: CATALOGUES[lang], setCookie };
}
