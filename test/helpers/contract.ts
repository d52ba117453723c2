/**
 * Checks real responses against an OpenAPI document with openapi-backend (ajv under it):
 * the request must match a documented operation, the status must be one the operation
 * documents, the content type one of its media types (none when it documents no body),
 * every documented response header present and valid, and the JSON body valid against
 * the schema, naming no property the schema does not. It remembers which statuses each operation was seen answering, so a
 * contract test can prove it drove every operation, on its happy path and its errors.
 *
 * The documents are OpenAPI 3.1; their schemas use only what ajv's default draft also
 * reads (type lists, const, enum, oneOf/allOf, formats), which the tests below rely on.
 */
import OpenAPIBackend, { ValidationContext, type Operation } from "openapi-backend";
import addFormats from "ajv-formats";

type Json = Record<string, any>;

export interface Checked {
  status: number;
  headers: Headers;
  /** the body as text (read once by the caller) */
  text: string;
}

export class Contract {
  private readonly seen = new Map<string, Set<number>>();

  private constructor(
    private readonly api: OpenAPIBackend,
    readonly document: Json,
  ) {}

  static async load(document: Json): Promise<Contract> {
    // quick: the document is linted by Spectral (OpenAPI 3.1); openapi-backend's own
    // definition check knows only 3.0. Schemas are still dereferenced and compiled.
    const api = new OpenAPIBackend({
      definition: structuredClone(document) as never,
      quick: true,
      strict: true,
      ajvOpts: { strict: false },
      customizeAjv: (ajv) => {
        addFormats(ajv as never);
        return ajv;
      },
    });
    await api.init();
    return new Contract(api, document);
  }

  /** Every operation id of the document. */
  operations(): string[] {
    return this.api.getOperations().map((op) => op.operationId!);
  }

  /** The statuses each operation has been seen answering. */
  coverage(): Record<string, number[]> {
    return Object.fromEntries(this.operations().map((id) => [id, [...(this.seen.get(id) ?? [])].sort()]));
  }

  private operationFor(method: string, url: string): Operation | undefined {
    const { pathname, search } = new URL(url, "http://contract.test");
    return this.api.matchOperation({ method: method.toLowerCase(), path: pathname, query: search.slice(1), headers: {} }) ?? undefined;
  }

  /**
   * Every way the response departs from the document, as readable lines (none: it
   * conforms). `operationId` names the operation when the request itself cannot match
   * one (a method the path does not take, answered 405 as that operation documents).
   */
  problems(method: string, url: string, response: Checked, operationId?: string): string[] {
    const at = `${method} ${url} -> ${response.status}`;
    const operation = operationId ? this.api.getOperation(operationId) : this.operationFor(method, url);
    if (!operation) return [`${at}: no documented operation ${operationId ? `named ${operationId}` : "matches"}`];
    const id = operation.operationId!;
    const responses = (operation.responses ?? {}) as Json;
    const key = [String(response.status), `${String(response.status)[0]}XX`, "default"].find((k) => k in responses);
    if (!key) return [`${at}: status not documented for ${id} (documented: ${Object.keys(responses).join(", ")})`];
    if (!this.seen.has(id)) this.seen.set(id, new Set());
    this.seen.get(id)!.add(response.status);

    const out: string[] = [];
    const documented = responses[key] as Json;
    const mediaType = (response.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    const content = documented.content as Json | undefined;
    if (!content) {
      if (response.text.length > 0) out.push(`${at}: a body, where the document says none`);
    } else if (!(mediaType in content)) {
      out.push(`${at}: content type ${mediaType || "(none)"}, documented: ${Object.keys(content).join(", ")}`);
    }
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => (headers[name] = value));
    const headerCheck = this.api.validateResponseHeaders(headers, operation, { statusCode: response.status, setMatchType: "superset" as never });
    for (const e of headerCheck.errors ?? []) out.push(`${at}: header ${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
    if (mediaType === "application/json" && content?.["application/json"]) {
      let body: unknown;
      try {
        body = JSON.parse(response.text);
      } catch {
        out.push(`${at}: the body is not JSON: ${response.text.slice(0, 200)}`);
        return out;
      }
      const bodyCheck = this.api.validateResponse(body, operation, response.status);
      for (const e of bodyCheck.errors ?? []) out.push(`${at}: body${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
      for (const extra of undocumented(content["application/json"].schema, body, "")) out.push(`${at}: body${extra} is not in the document`);
    }
    return out;
  }

  /**
   * Whether a request body is one the operation's document accepts: a JSON value valid
   * against its requestBody schema (undefined: no body, accepted when the body is optional).
   */
  acceptsBody(operationId: string): (body: unknown) => boolean {
    const operation = this.api.getOperation(operationId) as Json | undefined;
    const requestBody = operation?.requestBody as Json | undefined;
    if (!requestBody) throw new Error(`${operationId} documents no request body`);
    const ajv = this.api.validator.getAjv(ValidationContext.RequestBody);
    const validate = ajv.compile(structuredClone(requestBody.content["application/json"].schema));
    return (body) => (body === undefined ? requestBody.required !== true : validate(body) === true);
  }

  /** Problems of a value against a named component schema (an SSE event's data, say). */
  schemaProblems(name: string, value: unknown): string[] {
    const schema = (this.api.definition as Json).components?.schemas?.[name];
    if (!schema) return [`no component schema ${name}`];
    const ajv = this.api.validator.getAjv(ValidationContext.Response);
    const validate = ajv.compile(structuredClone(schema));
    return validate(value) ? [] : (validate.errors ?? []).map((e) => `${name}${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
  }
}

/**
 * Properties of a body that its (dereferenced) schema does not name: the schemas allow
 * more (no additionalProperties: false), but an answer should not carry fields nobody
 * documented. Schemas without `properties` (a forwarded body the origin describes) are
 * not walked.
 */
function undocumented(schema: Json | undefined, value: unknown, path: string): string[] {
  if (!schema || value === null || typeof value !== "object") return [];
  const alternatives = [...(schema.allOf ?? []), ...(schema.anyOf ?? []), ...(schema.oneOf ?? [])] as Json[];
  if (Array.isArray(value)) return schema.items ? value.flatMap((v, i) => undocumented(schema.items, v, `${path}/${i}`)) : [];
  const named = new Set([...Object.keys(schema.properties ?? {}), ...alternatives.flatMap((a) => Object.keys(a.properties ?? {}))]);
  if (named.size === 0) return [];
  const out: string[] = [];
  for (const [key, inner] of Object.entries(value)) {
    if (!named.has(key)) {
      out.push(`${path}/${key}`);
      continue;
    }
    const own = schema.properties?.[key] ?? alternatives.find((a) => a.properties?.[key])?.properties[key];
    out.push(...undocumented(own, inner, `${path}/${key}`));
  }
  return out;
}

/** Reads a fetch Response into what `problems` checks. */
export async function checked(response: Response): Promise<Checked> {
  return { status: response.status, headers: response.headers, text: await response.text() };
}
