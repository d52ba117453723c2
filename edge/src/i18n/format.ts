/**
 * Texts of a catalogue filled in, and the numbers, waits and chances in them written in the
 * fan's locale (Intl): one implementation for the edge's page and the page's script, so
 * the first view and every update from the stream read alike.
 */
import type { Chance } from "../../../common/honest-line.ts";
import type { LiveTexts } from "./en.ts";

/** `{name}` marks replaced by the values given; a mark without a value stays as it is. */
export function fill(text: string, values: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (mark, name: string) => (name in values ? String(values[name]) : mark));
}

export const formatNumber = (locale: string, n: number) => new Intl.NumberFormat(locale).format(n);

/** A wait in the fan's words: "less than a minute", else whole minutes rounded up, in the locale's own unit ("3 minutes", "3분"). */
export function waitWords(t: LiveTexts, locale: string, seconds: number): string {
  if (seconds < 60) return t.waitUnderMinute;
  return new Intl.NumberFormat(locale, { style: "unit", unit: "minute", unitDisplay: "long" }).format(Math.ceil(seconds / 60));
}

/** What the wait line says: "about 3 minutes", "less than a minute", or that it is being estimated. */
export function waitLine(t: LiveTexts, locale: string, seconds: number | null): string {
  if (seconds === null) return t.waitEstimating;
  return seconds < 60 ? t.waitUnderMinute : fill(t.waitAbout, { wait: waitWords(t, locale, seconds) });
}

/** The chance (common/honest-line.ts) in the fan's words: the middle says its number to the nearest 10, the ends their exact number. */
export function chanceLine(t: LiveTexts, locale: string, c: Chance): string {
  if (c.label === "about") return fill(t.chanceAbout, { percent: formatNumber(locale, Math.round(c.percent / 10) * 10) });
  return fill(c.label === "very likely" ? t.chanceVeryLikely : t.chanceUnlikely, { percent: formatNumber(locale, c.percent) });
}

/** A moment that matters to the minute (the sale's closing), with its zone: "Wednesday, December 2, 2026 at 9:00 PM GMT+9". */
export const momentWithZone = (locale: string, at: Date, timeZone?: string) =>
  new Intl.DateTimeFormat(locale, { weekday: "long", year: "numeric", month: "long", day: "numeric", hour: "numeric", minute: "2-digit", timeZoneName: "short", ...(timeZone ? { timeZone } : {}) }).format(at);

/** A date and time in the locale (the event's start), in the zone given (the page's script uses the fan's own). */
export const dateTime = (locale: string, at: Date, timeZone?: string) =>
  new Intl.DateTimeFormat(locale, { dateStyle: "full", timeStyle: "short", ...(timeZone ? { timeZone } : {}) }).format(at);
