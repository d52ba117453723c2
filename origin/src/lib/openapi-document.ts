/**
 * Turns the document @elysiajs/swagger generates from the routes into the one the origin
 * publishes, true to what the origin does and clean under Spectral's `spectral:oas` rules:
 *
 * - TypeBox's `$id` (which the generator also copies onto Response Objects) is dropped; a
 *   `$ref` naming a model (`t.Ref("report.view")` in a union) points at its component;
 * - Elysia's numeric-string unions (`t.Numeric`, a query string parsed to a number) are
 *   documented as the number they become;
 * - bodies and responses are `application/json` only (the generator lists JSON, multipart
 *   and text/plain for every one), except plain-text responses (`/metrics`, and text/csv where
 *   a string schema names its `contentMediaType`, also as one branch of a union beside JSON);
 * - every object schema is closed (`additionalProperties: false`): request bodies are
 *   refused with any other property, and Elysia (normalisation off) closes response
 *   schemas when it compiles a route, so the generated document said so only for routes
 *   already called;
 * - `requestBody.required` says whether the route takes no body (`t.Optional` models);
 * - an error answer (the `error` body) names the codes of its status, and Retry-After
 *   where one of them sends it, instead of repeating the body's description;
 * - components no operation references (path and query models, used inline) are removed.
 */
import type { OpenAPIV3_1 } from "openapi-types";

type Json = unknown;
type Document = OpenAPIV3_1.Document;

const METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"] as const;

function withoutIds(value: Json): Json {
  if (Array.isArray(value)) return value.map(withoutIds);
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, Json> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key === "$id") continue;
    // a model named inside a schema (`t.Ref("report.view")`) is a reference to the component of that name
    out[key] = key === "$ref" && typeof inner === "string" && !inner.includes("/") ? `#/components/schemas/${inner}` : withoutIds(inner);
  }
  return out;
}

/** `{ anyOf: [{ type: "string", format: "numeric", default: 0 }, { type: "number", ... }] }` -> the number branch. */
function numbersAsNumbers(value: Json): Json {
  if (Array.isArray(value)) return value.map(numbersAsNumbers);
  if (typeof value !== "object" || value === null) return value;
  const record = value as Record<string, Json>;
  const anyOf = record.anyOf as Array<Record<string, Json>> | undefined;
  if (Array.isArray(anyOf) && anyOf.length === 2) {
    const text = anyOf.find((s) => s.type === "string" && (s.format === "numeric" || s.format === "integer"));
    const number = anyOf.find((s) => s.type === "number" || s.type === "integer");
    if (text && number) {
      const { anyOf: _, ...outer } = record;
      return numbersAsNumbers({ ...outer, ...number });
    }
  }
  const out: Record<string, Json> = {};
  for (const [key, inner] of Object.entries(record)) out[key] = numbersAsNumbers(inner);
  return out;
}

/** Every `type: object` schema with named properties and no word on others gets `additionalProperties: false`. */
function closedObjects(value: Json): Json {
  if (Array.isArray(value)) return value.map(closedObjects);
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, Json> = {};
  for (const [key, inner] of Object.entries(value)) out[key] = closedObjects(inner);
  if (out.type === "object" && typeof out.properties === "object" && !("additionalProperties" in out)) out.additionalProperties = false;
  return out;
}

type Content = Record<string, OpenAPIV3_1.MediaTypeObject>;

/** A string schema that names its media type (`t.String({ contentMediaType: "text/csv" })`). */
const isTextSchema = (s: Record<string, Json>) => s.type === "string" && typeof s.contentMediaType === "string";

/**
 * One media type: JSON, or for a plain string schema its `contentMediaType` (text/plain
 * without one); a union of JSON and such strings (a route whose `?format=` picks) is JSON
 * and each string's media type.
 */
function onlyJson(content: Content | undefined): Content | undefined {
  if (!content) return content;
  const media = content["application/json"] ?? Object.values(content)[0];
  if (!media) return content;
  const schema = media.schema as Record<string, Json> | undefined;
  const anyOf = schema?.anyOf as Array<Record<string, Json>> | undefined;
  if (Array.isArray(anyOf) && anyOf.some(isTextSchema) && !anyOf.every(isTextSchema)) {
    const others = anyOf.filter((s) => !isTextSchema(s));
    const split: Content = { "application/json": { schema: (others.length === 1 ? others[0] : { anyOf: others }) as OpenAPIV3_1.SchemaObject } };
    for (const text of anyOf.filter(isTextSchema)) split[text.contentMediaType as string] = { schema: text as OpenAPIV3_1.SchemaObject };
    return split;
  }
  const plainText = schema?.type === "string" && !("$ref" in schema);
  const text = typeof schema?.contentMediaType === "string" ? schema.contentMediaType : "text/plain";
  return { [plainText ? text : "application/json"]: media };
}

function referencedSchemas(document: Document): Set<string> {
  const names = new Set<string>();
  const text = JSON.stringify({ paths: document.paths, schemas: document.components?.schemas });
  for (const match of text.matchAll(/"#\/components\/schemas\/([^"]+)"/g)) names.add(match[1]!);
  return names;
}

export interface TidyOptions {
  /** whether a body model may be left out of a request */
  optionalBody: (model: string) => boolean;
  servers: OpenAPIV3_1.ServerObject[];
  /** the response object of an error answer with this status, its content aside */
  errorAnswer: (status: number) => Omit<OpenAPIV3_1.ResponseObject, "content">;
}

const ERROR_SCHEMA = "#/components/schemas/error";

const isErrorAnswer = (response: OpenAPIV3_1.ResponseObject) => (response.content?.["application/json"]?.schema as { $ref?: string } | undefined)?.$ref === ERROR_SCHEMA;

export function tidyDocument(generated: Document, { optionalBody, servers, errorAnswer }: TidyOptions): Document {
  const document = closedObjects(numbersAsNumbers(withoutIds(structuredClone(generated)))) as Document;
  document.servers = servers;
  for (const item of Object.values(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = item?.[method];
      if (!operation) continue;
      for (const [status, response] of Object.entries(operation.responses ?? {}) as Array<[string, OpenAPIV3_1.ResponseObject]>) {
        response.content = onlyJson(response.content);
        // the generator copies a response schema's keywords onto the response; they are the schema's alone
        for (const key of Object.keys(response)) if (!["description", "headers", "content", "links"].includes(key)) delete (response as unknown as Record<string, unknown>)[key];
        if (!response.content) delete response.content;
        else if (isErrorAnswer(response)) Object.assign(response, errorAnswer(Number(status)));
      }
      const body = operation.requestBody as OpenAPIV3_1.RequestBodyObject | undefined;
      if (body) {
        body.content = onlyJson(body.content)!;
        const ref = (body.content["application/json"]?.schema as { $ref?: string } | undefined)?.$ref;
        const model = ref?.replace("#/components/schemas/", "");
        body.required = !(model && optionalBody(model));
      }
    }
  }
  // a model used only inline (path parameters, query) is listed but never referenced
  const schemas = document.components?.schemas ?? {};
  for (let removed = true; removed; ) {
    const used = referencedSchemas(document);
    removed = false;
    for (const name of Object.keys(schemas)) {
      if (used.has(name)) continue;
      delete schemas[name];
      removed = true;
    }
  }
  return document;
}
