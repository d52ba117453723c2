/**
 * The waiting page's optional address for the turn email (edge/src/page.ts, emailForm):
 * sends it to `POST /queue/:eventId/notify`, which keeps it with the place; the answer is
 * said under the field, in the page's language. The page keeps nothing of the address.
 */
import type { LiveTexts } from "../src/i18n/en.ts";
import { fill } from "../src/i18n/format.ts";
import { jsonBody } from "./dom.ts";

export function offerTurnEmail(eventId: string, t: LiveTexts, english: boolean): void {
  const form = document.getElementById("email-form") as HTMLFormElement | null;
  if (!form) return;
  const input = form.querySelector("input")!;
  const button = form.querySelector("button")!;
  const said = document.getElementById("email-state")!;
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const email = input.value.trim();
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
      said.textContent = t.emailInvalid;
      input.setAttribute("aria-invalid", "true");
      input.focus();
      return;
    }
    input.removeAttribute("aria-invalid");
    button.disabled = true;
    try {
      const res = await fetch("/queue/" + eventId + "/notify", {
        method: "POST",
        credentials: "same-origin",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email }),
      });
      if (res.ok) said.textContent = fill(t.emailSaved, { email });
      else said.textContent = (english && (await jsonBody(res)).message) || (res.status === 400 ? t.emailInvalid : t.emailFailed);
    } catch {
      said.textContent = t.unreachable;
    } finally {
      button.disabled = false;
    }
  });
}
