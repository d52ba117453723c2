import { Type, type IntegerOptions } from "@sinclair/typebox";
import { Elysia, t } from "elysia";
import { EVENT_ID_PATTERN } from "../../../../common/keys.ts";

export const eventIdSchema = t.String({ pattern: EVENT_ID_PATTERN.source, description: "event id, e.g. demo" });
export const seatIdSchema = t.String({ pattern: "^[A-Za-z0-9]{1,8}-[0-9]{1,4}-[0-9]{1,4}$", description: "seat id: section-row-number, e.g. A-12-7" });
export const opaqueIdSchema = t.String({ pattern: "^[a-z]+_[A-Za-z0-9_-]{10,40}$", description: "opaque id" });

/**
 * An integer, in a request body or a response: a JSON number without a fraction, never a
 * string. Elysia's `t.Integer` also accepts numeric strings (a TypeBox Transform), so a
 * body could send `"4"` where the document promises an integer, and one Transform anywhere
 * in a response schema makes Elysia run every response through TypeBox's interpreted
 * Encode instead of the compiled Check (measurably slower on the hold and purchase
 * routes). TypeBox's plain integer is what the OpenAPI document says: `type: integer`.
 */
export const integer = (options?: IntegerOptions) => Type.Integer(options);

export const errorModel = t.Object(
  {
    code: t.String({ description: "stable machine-readable error code, e.g. SEAT_HELD" }),
    message: t.String({ description: "what went wrong, for people" }),
  },
  { description: "Every error answers with this body." },
);

export const sharedModels = new Elysia({ name: "models.shared" }).model({
  error: errorModel,
});
