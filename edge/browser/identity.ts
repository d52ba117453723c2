/**
 * The identity step of a sale that asks who the fan is (edge/src/page.ts, identityPage):
 * an email's one-time code (ask, then verify) or a passkey (make one, or sign in with one,
 * through @simplewebauthn/browser), each giving a proof from the origin; then the JSON join
 * with `{ identityProof }`, which sets the ticket cookie, and the page reloads into the
 * waiting room. In an invite-only sale (data-invite-only) the proved identity is kept on the
 * page and the access code field shown: the join brings the code and the proof together.
 * What went wrong is said under the forms, in the page's language.
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

const inviteOnly = document.body.dataset.inviteOnly === "1";
/** the proof of the identity proved on this page, kept for the join with the access code */
let proved: string | null = null;

/** Joins with the proof (and, invite-only, the access code); placed, the page reloads into the waiting room. */
async function joinWith(proof: string, accessCode?: string): Promise<void> {
  if (inviteOnly && accessCode === undefined) {
    // the identity is proved: now the code
    proved = proof;
    byId("identity-step").hidden = true;
    byId("access-step").hidden = false;
    said.textContent = "";
    byId<HTMLInputElement>("access-code").focus();
    return;
  }
  const r = await post("/queue/" + eventId + "/join", accessCode === undefined ? { identityProof: proof } : { identityProof: proof, accessCode });
  if (r.ok) {
    location.replace("/events/" + eventId);
    return;
  }
  if (r.body.code === "IDENTITY_IN_LINE") said.textContent = t.identityInLine;
  else if (accessCode !== undefined && r.body.code === "IDENTITY_REQUIRED") {
    // the proof ran out while the code was typed: prove again, then the code again
    proved = null;
    byId("access-step").hidden = true;
    byId("identity-step").hidden = false;
    refused(r);
  } else if (accessCode !== undefined) said.textContent = (english && r.body.message) || t.codeRefused;
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

const accessForm = document.getElementById("access-form") as HTMLFormElement | null;
accessForm?.addEventListener("submit", (e) => {
  e.preventDefault();
  void busy(accessForm.querySelector("button")!, async () => {
    const input = byId<HTMLInputElement>("access-code");
    const code = input.value.trim();
    if (!code) {
      said.textContent = t.codeEmpty;
      input.focus();
      return;
    }
    if (proved) await joinWith(proved, code);
    if (said.textContent) input.setAttribute("aria-invalid", "true");
  })();
});
