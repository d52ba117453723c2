/**
 * The resume link's page: moves the waiting place to this device when the fan says so
 * (POST to the link's own path), then opens the waiting room, which now shows the place.
 * Its words are the page's catalogue (data-texts), the edge's own in English.
 */
import type { LiveTexts } from "../src/i18n/en.ts";
import { byId, jsonBody, pageData, pageJson, type ApiBody } from "./dom.ts";

const eventId = pageData("eventId");
const button = byId<HTMLButtonElement>("move");
const t = pageJson<LiveTexts>("texts")!;
const english = document.documentElement.lang.toLowerCase().startsWith("en");

button.addEventListener("click", async () => {
  button.disabled = true;
  byId("result").textContent = t.moving;
  const res = await fetch(location.pathname, { method: "POST", credentials: "same-origin" }).catch(() => null);
  const body = res ? await jsonBody<ApiBody & { redirect?: string }>(res) : {};
  if (res?.ok) {
    location.replace(body.redirect || "/events/" + eventId);
    return;
  }
  byId("result").textContent = (english && body.message) || t.moveFailed;
  // refused for good (not valid, moved on, left the line, the turn came): nothing to try again
  button.disabled = res !== null && [404, 409, 410].includes(res.status);
});
