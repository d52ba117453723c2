/** Schemas of presale and access control: access codes, and their redemption by the edge. */
import { Elysia, t } from "elysia";
import { ACCESS_CODE_PATTERN } from "../../../../common/access.ts";
import { eventIdSchema, integer } from "../shared/model.ts";

const codeText = t.String({ minLength: 4, maxLength: 80, description: "the code fans type: 4-64 letters, digits or '-' (case and spaces do not matter); leave out to have codes generated" });
const tier = t.String({ minLength: 1, maxLength: 32, pattern: "^[A-Za-z0-9_-]+$", description: "the seat tier the code is for (the code unlocks that tier's seats); leave out for any tier" });
const when = (what: string) => t.String({ format: "date-time", description: what });

export const createCodesBody = t.Object(
  {
    code: t.Optional(codeText),
    count: t.Optional(integer({ minimum: 1, maximum: 1000, description: "how many codes to generate (16 characters, 80 bits each); not with `code`. Default 1" })),
    uses: t.Optional(integer({ minimum: 1, maximum: 1_000_000, description: "places each code gives: 1 = single-use (default), N = N fans" })),
    tier: t.Optional(tier),
    validFrom: t.Optional(when("the code gives no place before this; default: at once")),
    validUntil: t.Optional(when("the code gives no place from this on; default: no end")),
    label: t.Optional(t.String({ minLength: 1, maxLength: 100, description: "what the organiser calls it (fan club, press, ...)" })),
  },
  { additionalProperties: false },
);

const codeFields = {
  id: t.String({ description: "the code's id (not the code)" }),
  label: t.Union([t.String(), t.Null()]),
  uses: integer({ description: "places the code gives" }),
  used: integer({ description: "places it has given (redemptions kept in MySQL)" }),
  tier: t.Union([t.String(), t.Null()], { description: "seat tier; null = any" }),
  validFrom: t.Union([t.String({ format: "date-time" }), t.Null()]),
  validUntil: t.Union([t.String({ format: "date-time" }), t.Null()]),
  revoked: t.Boolean(),
};

export const codeView = t.Object(codeFields, { description: "An access code as kept: only its hash is stored, so the code itself is never shown again after it was created." });
export const createdCode = t.Object({ ...codeFields, code: t.String({ pattern: ACCESS_CODE_PATTERN.source, description: "the code, shown this once" }) });

export const redemptionBody = t.Object(
  {
    codeHash: t.String({ pattern: "^[0-9a-f]{64}$", description: "hex SHA-256 of the code (common/access.ts)" }),
    ticketId: t.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_-]+$", description: "the fresh queue ticket the place goes to" }),
  },
  { additionalProperties: false },
);

export const accessModels = new Elysia({ name: "models.access" }).model({
  "access.params": t.Object({ eventId: eventIdSchema }),
  "access.codeParams": t.Object({ eventId: eventIdSchema, codeId: t.String({ minLength: 1, maxLength: 40 }) }),
  "access.ticketParams": t.Object({ eventId: eventIdSchema, ticketId: t.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_-]+$" }) }),
  "access.createCodes": createCodesBody,
  "access.created": t.Object({ codes: t.Array(createdCode) }, { description: "The new codes, each shown in clear this once." }),
  "access.code": codeView,
  "access.codes": t.Object({ codes: t.Array(codeView) }, { description: "The event's access codes, oldest first." }),
  "access.redeem": redemptionBody,
  "access.redeemed": t.Object({ codeId: t.String(), tier: t.Union([t.String(), t.Null()]) }, { description: "The redemption is recorded; the place may be given." }),
  "access.released": t.Object({ released: t.Boolean({ description: "false when the ticket had no redemption" }) }, { description: "The use is back with the code." }),
});
