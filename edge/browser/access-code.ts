/**
 * The access code field of an invite-only room (edge/src/page.ts, accessCodePage): sends
 * the code to the JSON join (`POST /queue/:eventId/join` with `{ accessCode }`), which sets
 * the ticket cookie when the code gives a place; then the page reloads into the waiting
 * room. A refused code, a limit or an outage is said under the field, in the page's
 * language (data-texts: the edge's own words in English, the catalogue's otherwise).
 */
import type { LiveTexts } from "../src/i18n/en.ts";
import { byId, jsonBody, pageData, pageJson } from "./dom.ts";

const eventId = pageData("eventId");
const form = byId<HTMLFormElement>("code-form");
const input = byId<HTMLInputElement>("access-code");
const said = byId("code-error");
const t = pageJson<LiveTexts>("texts")!;
const english = document.documentElement.lang.toLowerCase().startsWith("en");

form.addEventListener("submit", async (e) => {
  e.preventDefault();
  const accessCode = input.value.trim();
  if (!accessCode) {
    said.textContent = t.codeEmpty;
    input.focus();
    return;
  }
  const button = form.querySelector("button")!;
  button.disabled = true;
  said.textContent = "";
  try {
    const res = await fetch("/queue/" + eventId + "/join", {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ accessCode }),
    });
    if (res.ok) {
      location.replace("/events/" + eventId);
      return;
    }
    const body = await jsonBody(res);
    said.textContent = (english && body.message) || t.codeRefused;
    input.setAttribute("aria-invalid", "true");
    input.focus();
  } catch {
    said.textContent = t.unreachable;
  } finally {
    button.disabled = false;
  }
});
