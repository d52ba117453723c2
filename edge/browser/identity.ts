/**
 * The identity step of a sale that asks who the fan is (edge/src/page.ts, identityPage):
 * an email's one-time code (ask, then verify) or a passkey (make one, or sign in with one,
 * through @simplewebauthn/browser), each giving a proof from the origin; then the JSON join
 * with `{ identityProof }`, which sets the ticket cookie, and the page reloads into the
 * waiting room. What went wrong is said under the forms, in the page's language.
 */
import { startAuthentication, startRegistration } from "@simplewebauthn/browser";
import type { LiveTexts } from "../src/i18n/en.ts";
import { byId, jsonBody, pageData, pageJson } from "./dom.ts";

const eventId = pageData("eventId");
const base = "/queue/" + eventId + "/identity/";
const said = byId("identity-said");
const t = pageJson<LiveTexts>("texts")!;
const english = document.documentElement.lang.toLowerCase().startsWith("en");

async function post(path: string, body: unknown): Promise<{ ok: boolean; status: number; body: Record<string, any> }> {
  const res = await fetch(path, { method: "POST", credentials: "same-origin", headers: { "content-type": "application/json" }, body: JSON.stringify(body ?? {}) });
  return { ok: res.ok, status: res.status, body: await jsonBody<Record<string, any>>(res) };
}

function refused(r: { body: Record<string, any> }) {
  said.textContent = (english && r.body.message) || t.identityRefused;
}

/** Joins with the proof; placed, the page reloads into the waiting room. */
async function joinWith(proof: string): Promise<void> {
  const r = await post("/queue/" + eventId + "/join", { identityProof: proof });
  if (r.ok) {
    location.replace("/events/" + eventId);
    return;
  }
  if (r.body.code === "IDENTITY_IN_LINE") said.textContent = t.identityInLine;
  else refused(r);
}

/** Runs one step with its button disabled; an outage is said. */
function busy(button: HTMLButtonElement, step: () => Promise<void>) {
  return async () => {
    button.disabled = true;
    said.textContent = "";
    try {
      await step();
    } catch {
      said.textContent = t.unreachable;
    } finally {
      button.disabled = false;
    }
  };
}

const emailForm = document.getElementById("email-form") as HTMLFormElement | null;
if (emailForm) {
  const codeForm = byId<HTMLFormElement>("code-form");
  const emailInput = byId<HTMLInputElement>("identity-email");
  const codeInput = byId<HTMLInputElement>("identity-code");
  emailForm.addEventListener("submit", (e) => {
    e.preventDefault();
    void busy(emailForm.querySelector("button")!, async () => {
      const email = emailInput.value.trim();
      if (!email) {
        said.textContent = t.identityEmailEmpty;
        emailInput.focus();
        return;
      }
      const r = await post(base + "email", { email });
      if (!r.ok) return refused(r);
      said.textContent = t.identitySent.replace("{email}", email);
      codeForm.hidden = false;
      codeInput.focus();
    })();
  });
  codeForm.addEventListener("submit", (e) => {
    e.preventDefault();
    void busy(codeForm.querySelector("button")!, async () => {
      const r = await post(base + "email/verify", { email: emailInput.value.trim(), code: codeInput.value.trim() });
      if (!r.ok) {
        codeInput.setAttribute("aria-invalid", "true");
        return refused(r);
      }
      await joinWith(r.body.proof);
    })();
  });
}

/** A passkey ceremony: options from the origin, the authenticator, the answer back; then the join. */
async function ceremony(kind: "register" | "login") {
  const options = await post(base + "passkey/" + kind + "/options", {});
  if (!options.ok) return refused(options);
  let response: unknown;
  try {
    response = kind === "register" ? await startRegistration({ optionsJSON: options.body.options as any }) : await startAuthentication({ optionsJSON: options.body.options as any });
  } catch {
    said.textContent = t.identityRefused;
    return;
  }
  const r = await post(base + "passkey/" + kind, { ceremony: options.body.ceremony, response });
  if (!r.ok) return refused(r);
  await joinWith(r.body.proof);
}

const passkeyNew = document.getElementById("passkey-new") as HTMLButtonElement | null;
const passkeyUse = document.getElementById("passkey-use") as HTMLButtonElement | null;
passkeyNew?.addEventListener("click", () => void busy(passkeyNew, () => ceremony("register"))());
passkeyUse?.addEventListener("click", () => void busy(passkeyUse, () => ceremony("login"))());
