/**
 * The resume link's page: moves the waiting place to this device when the fan says so
 * (POST to the link's own path), then opens the waiting room, which now shows the place.
 */
import { byId, jsonBody, pageData, type ApiBody } from "./dom.ts";

const eventId = pageData("eventId");
const button = byId<HTMLButtonElement>("move");

button.addEventListener("click", async () => {
  button.disabled = true;
  byId("result").textContent = "Moving your place...";
  const res = await fetch(location.pathname, { method: "POST", credentials: "same-origin" }).catch(() => null);
  const body = res ? await jsonBody<ApiBody & { redirect?: string }>(res) : {};
  if (res?.ok) {
    location.replace(body.redirect || "/events/" + eventId);
    return;
  }
  byId("result").textContent = body.message || "Your place could not be moved; try again in a few seconds.";
  // refused for good (not valid, moved on, left the line, the turn came): nothing to try again
  button.disabled = res !== null && [404, 409, 410].includes(res.status);
});
