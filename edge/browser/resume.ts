/**
 * The pages behind a signed link: the resume link's (moves the waiting place to this
 * device) and the turn email's (claims the turn). Each asks first; the button POSTs to the
 * link's own path and then opens the event's page (the waiting room showing the place, or
 * the sale with the session just claimed). The turn link's page also counts the claim
 * window down (data-deadline). In a sale that binds places to the device (data-device-
 * binding), the resume link's page makes or finds this browser's key for the event
 * (./device-key.ts) and signs the move with it, so the place it takes is bound to this
 * device and can claim here. Words are the page's catalogue (data-texts), the edge's own
 * in English.
 */
import type { LiveTexts } from "../src/i18n/en.ts";
import { deviceKey, learnClock, proof, remember, type DeviceKey } from "./device-key.ts";
import { byId, jsonBody, pageData, pageJson, type ApiBody } from "./dom.ts";

const eventId = pageData("eventId");
const button = byId<HTMLButtonElement>("move");
const t = pageJson<LiveTexts>("texts")!;
const data = document.body.dataset;
const busy = data.busyText ?? t.moving;
const failed = data.failedText ?? t.moveFailed;
const english = document.documentElement.lang.toLowerCase().startsWith("en");
const binds = (data.deviceBinding ?? "off") !== "off";

/** The POST, signed with this device's key when the sale binds places; a stale proof is made again once, on the edge's clock. */
async function send(key: DeviceKey | null, retried = false): Promise<Response | null> {
  const headers: Record<string, string> = key ? { dpop: await proof(key, "POST", location.pathname) } : {};
  const res = await fetch(location.pathname, { method: "POST", credentials: "same-origin", headers }).catch(() => null);
  if (res && !retried && key && res.status === 401 && (await jsonBody(res.clone())).code === "DPOP_STALE" && learnClock(res)) return send(key, true);
  return res;
}

const deadline = Number(data.deadline ?? "");
if (deadline > 0) {
  const left = document.getElementById("claim-left");
  const until = document.getElementById("claim-until");
  if (until) until.textContent = new Date(deadline).toLocaleTimeString(document.documentElement.lang, { hour: "2-digit", minute: "2-digit" });
  const show = () => {
    const s = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    if (left) left.textContent = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
    if (s === 0) button.disabled = true;
  };
  show();
  setInterval(show, 1000);
}

button.addEventListener("click", async () => {
  button.disabled = true;
  byId("result").textContent = busy;
  const key = binds ? await deviceKey(eventId, true).catch(() => null) : null;
  const res = await send(key);
  const body = res ? await jsonBody<ApiBody & { redirect?: string; ticket?: string }>(res) : {};
  if (res?.ok) {
    // the waiting page finds the key with the ticket bound to it, and signs its calls
    if (key && body.ticket) await remember(key, { ticket: body.ticket });
    location.replace(body.redirect || "/events/" + eventId);
    return;
  }
  byId("result").textContent = (english && body.message) || failed;
  // refused for good (not valid, moved on, used, left the line, the turn came or passed): nothing to try again
  button.disabled = res !== null && [404, 409, 410].includes(res.status);
});
