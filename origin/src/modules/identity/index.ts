/**
 * The fans' identity step, as the edge forwards it (`/queue/:eventId/identity/*`): an email's
 * one-time code, and a passkey's registration and sign-in. Each ends in a proof the fan joins
 * with. X-Origin-Auth alone: the fan has no token yet.
 */
import { Elysia } from "elysia";
import type { Deps } from "../../deps.ts";
import { fromEdgePlugin } from "../../plugins/from-edge.ts";
import { requestContextPlugin } from "../../plugins/request-context.ts";
import { edgeRoutes } from "../shared/guards.ts";
import { sharedModels } from "../shared/model.ts";
import { identityModels } from "./model.ts";
import { CODE_TRIES, CODE_TTL_SECONDS, passkeyLogin, passkeyLoginOptions, passkeyRegister, passkeyRegistrationOptions, sendEmailCode, verifyEmailCode } from "./service.ts";

const NOT_ASKED = "404 IDENTITY_NOT_ASKED when the sale does not ask this identity; 429 IDENTITY_RATE_LIMITED past the client IP's limit; 503 IDENTITY_UNAVAILABLE when the origin has no IDENTITY_SECRET (or, for codes, no SMTP_HOST, or the mail server refused).";

export const identityController = (deps: Deps) =>
  new Elysia({ prefix: "/queue", tags: ["identity"] })
    .use(sharedModels)
    .use(identityModels)
    .use(requestContextPlugin)
    .use(fromEdgePlugin(deps.config.originAuthSecrets))
    .guard({ ...edgeRoutes(403, 404, 429), clientIp: true })
    .post(
      "/:eventId/identity/email",
      async ({ params, body, clientIp, set }) => {
        const sent = await sendEmailCode(deps, params.eventId, body.email, clientIp);
        set.status = 202;
        return sent;
      },
      {
        params: "identity.params",
        body: "identity.email",
        response: { 202: "identity.sent" },
        detail: {
          summary: "Send a six-digit one-time code to an email address",
          description: `The code works for ${CODE_TTL_SECONDS} seconds and ${CODE_TRIES} tries; a new ask replaces it. Always 202 {sent: true}, known address or not, and past the address's own limit (then no email goes), so the answer tells nothing about an address. ${NOT_ASKED}`,
        },
      },
    )
    .post("/:eventId/identity/email/verify", ({ params, body, clientIp }) => verifyEmailCode(deps, params.eventId, body.email, body.code, clientIp), {
      params: "identity.params",
      body: "identity.verify",
      response: { 200: "identity.proof" },
      detail: {
        summary: "Check an email's code: a proof to join with",
        description: `The proof's subject is a keyed hash of the address (never the address). 403 IDENTITY_CODE_INVALID for a wrong or expired code, IDENTITY_CODE_SPENT after ${CODE_TRIES} wrong ones (ask a new code). ${NOT_ASKED}`,
      },
    })
    .post("/:eventId/identity/passkey/register/options", ({ params, request, clientIp }) => passkeyRegistrationOptions(deps, params.eventId, request.headers.get("origin"), clientIp), {
      params: "identity.params",
      body: "identity.none",
      response: { 200: "identity.options" },
      detail: { summary: "Start making a passkey: WebAuthn creation options", description: `For navigator.credentials.create (@simplewebauthn/browser startRegistration). ${NOT_ASKED}` },
    })
    .post("/:eventId/identity/passkey/register", ({ params, body, request, clientIp }) => passkeyRegister(deps, params.eventId, body, request.headers.get("origin"), clientIp), {
      params: "identity.params",
      body: "identity.ceremony",
      response: { 200: "identity.proof" },
      detail: { summary: "Finish making a passkey: a proof to join with", description: `403 PASSKEY_REFUSED when the response does not verify or the ceremony expired or was used. ${NOT_ASKED}` },
    })
    .post("/:eventId/identity/passkey/login/options", ({ params, request, clientIp }) => passkeyLoginOptions(deps, params.eventId, request.headers.get("origin"), clientIp), {
      params: "identity.params",
      body: "identity.none",
      response: { 200: "identity.options" },
      detail: { summary: "Start signing in with a passkey: WebAuthn request options", description: `For navigator.credentials.get (@simplewebauthn/browser startAuthentication), any passkey of this site. ${NOT_ASKED}` },
    })
    .post("/:eventId/identity/passkey/login", ({ params, body, request, clientIp }) => passkeyLogin(deps, params.eventId, body, request.headers.get("origin"), clientIp), {
      params: "identity.params",
      body: "identity.ceremony",
      response: { 200: "identity.proof" },
      detail: { summary: "Finish signing in with a passkey: a proof to join with", description: `The proof's subject is a keyed hash of the passkey's user handle. 403 PASSKEY_REFUSED when it does not verify. ${NOT_ASKED}` },
    });
