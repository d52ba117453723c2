/** Schemas every module shares: ids, integers, and the error body with the error answers built on it. */
import { Type, type IntegerOptions } from "@sinclair/typebox";
import { Elysia, t } from "elysia";
import { EVENT_ID_PATTERN } from "../../../../common/keys.ts";
import { errorCodes, type ErrorCode } from "../../errors.ts";

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

const codes = Object.keys(errorCodes) as [ErrorCode, ...ErrorCode[]];
const codeTable = codes.map((code) => `| ${code} | ${errorCodes[code].status} | ${errorCodes[code].message} |`).join("\n");

/**
 * The body of every error; its codes, statuses and meanings are the table in errors.ts.
 * Only a code of the table passes the route's response check (an answer with another one
 * would be a 500). No `default`: UnionEnum would otherwise document the first code as one.
 */
export const errorModel = t.Object(
  {
    code: t.UnionEnum(codes, { description: "stable machine-readable error code, e.g. SEAT_HELD", default: undefined }),
    message: t.String({ description: "what went wrong, for people" }),
  },
  { description: `Every error answers with this body. The codes:\n\n| code | status | meaning |\n| --- | --- | --- |\n${codeTable}` },
);

export const sharedModels = new Elysia({ name: "models.shared" }).model({
  error: errorModel,
});

/** Error answers by status, every one the `error` body: what a route group shares, and what a route adds. */
export const errorResponses = <const Status extends number>(...statuses: Status[]) => Object.fromEntries(statuses.map((status) => [status, "error"])) as Record<Status, "error">;

