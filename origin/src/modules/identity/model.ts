/** Schemas of the fans' identity step: an email's one-time code, a passkey's two ceremonies, and the proof they give. */
import { Elysia, t } from "elysia";
import { eventIdSchema } from "../shared/model.ts";

export const emailBody = t.Object(
  { email: t.String({ format: "email", minLength: 3, maxLength: 254, description: "the address the one-time code is sent to" }) },
  { additionalProperties: false },
);

export const verifyBody = t.Object(
  {
    email: t.String({ format: "email", minLength: 3, maxLength: 254, description: "the address the code was sent to" }),
    code: t.String({ pattern: "^[0-9]{6}$", description: "the six digits of the email" }),
  },
  { additionalProperties: false },
);

export const codeSent = t.Object({
  sent: t.Literal(true, { description: "always true, whatever the address: the answer never tells whether an address is known or was asked for already" }),
  expiresInSeconds: t.Number({ description: "how long the code can be used" }),
}, { description: "The code is on its way (or, past the address's own limit, silently not): the same answer for every address." });

export const identityProof = t.Object({
  proof: t.String({ description: "send it as `identityProof` in the join's body (POST /queue/{eventId}/join); signed, short-lived, for this event only" }),
  kind: t.Union([t.Literal("email"), t.Literal("passkey")]),
  expiresAt: t.String({ format: "date-time" }),
}, { description: "A proof of the identity, to join with." });

/** WebAuthn options as @simplewebauthn/server makes them (PublicKeyCredentialCreationOptionsJSON / RequestOptionsJSON), for the browser's @simplewebauthn/browser. */
export const ceremonyOptions = t.Object({
  ceremony: t.String({ description: "the ceremony's id: send it back with the authenticator's response" }),
  options: t.Record(t.String(), t.Unknown(), { description: "the WebAuthn options (JSON form) for navigator.credentials" }),
}, { description: "A ceremony started: answer it within 5 minutes." });

const ceremonyId = t.String({ pattern: "^[A-Za-z0-9_-]{16,64}$" });
const b64 = (max: number) => t.String({ pattern: "^[A-Za-z0-9_-]*={0,2}$", maxLength: max });

/** The authenticator's answer in JSON form (RegistrationResponseJSON / AuthenticationResponseJSON): what @simplewebauthn/browser gives. */
const credentialResponse = t.Object(
  {
    id: b64(1024),
    rawId: b64(1024),
    type: t.Literal("public-key"),
    response: t.Object(
      {
        clientDataJSON: b64(4096),
        attestationObject: t.Optional(b64(16_384)),
        authenticatorData: t.Optional(b64(4096)),
        signature: t.Optional(b64(1024)),
        userHandle: t.Optional(b64(256)),
        transports: t.Optional(t.Array(t.String({ maxLength: 32 }), { maxItems: 10 })),
        publicKeyAlgorithm: t.Optional(t.Number()),
        publicKey: t.Optional(b64(4096)),
      },
      { additionalProperties: true },
    ),
    clientExtensionResults: t.Record(t.String(), t.Unknown()),
    authenticatorAttachment: t.Optional(t.String({ maxLength: 32 })),
  },
  { additionalProperties: false },
);

export const ceremonyBody = t.Object({ ceremony: ceremonyId, response: credentialResponse }, { additionalProperties: false });
export const noBody = t.Optional(t.Object({}, { additionalProperties: false }));

export const identityParams = t.Object({ eventId: eventIdSchema });

export const identityModels = new Elysia({ name: "models.identity" }).model({
  "identity.params": identityParams,
  "identity.email": emailBody,
  "identity.verify": verifyBody,
  "identity.sent": codeSent,
  "identity.proof": identityProof,
  "identity.options": ceremonyOptions,
  "identity.ceremony": ceremonyBody,
  "identity.none": noBody,
});
