import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { compileErrors, validate } from "@readme/openapi-parser";
import { spectralProblems } from "../../test/helpers/spectral.ts";
import { errorCodes } from "../src/errors.ts";
import { Harness } from "./support/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await Harness.create("swagger");
});
afterAll(() => h.close());

const openApiPath = (path: string) => path.replace(/:([A-Za-z]+)/g, "{$1}");

/**
 * The codes origin/src answers with: every code literal handed to an error (`new
 * AppError("X")`, `super("X")` in a typed error, a purchase's `fail("X")`) and every
 * `code: "X"` written out as a body.
 */
async function codesInSource(): Promise<Set<string>> {
  const codes = new Set<string>();
  const root = new URL("../src/", import.meta.url).pathname;
  for await (const file of new Bun.Glob("**/*.ts").scan(root)) {
    const text = await Bun.file(root + file).text();
    for (const m of text.matchAll(/\b(?:AppError|super|fail)\(\s*"([A-Z][A-Z0-9_]+)"|\bcode:\s*"([A-Z][A-Z0-9_]+)"/g)) codes.add((m[1] ?? m[2])!);
  }
  return codes;
}

describe("Swagger", () => {
  test("/swagger/json is a valid OpenAPI document listing every route with its schemas", async () => {
    const r = await h.call("GET", "/swagger/json");
    expect(r.status).toBe(200);
    const doc = r.body;
    const result = await validate(structuredClone(doc));
    if (!result.valid) throw new Error(compileErrors(result));
    expect(result.specification).toBe("OpenAPI");

    const routes = h.app.routes.filter((route) => !route.path.startsWith("/swagger"));
    expect(routes.length).toBeGreaterThanOrEqual(11);
    for (const route of routes) {
      const operation = doc.paths[openApiPath(route.path)]?.[route.method.toLowerCase()];
      expect({ route: `${route.method} ${route.path}`, documented: operation !== undefined }).toEqual({ route: `${route.method} ${route.path}`, documented: true });
      expect(Object.keys(operation.responses).length).toBeGreaterThan(0);
    }
    // Models are registered by name and referenced from the operations.
    for (const model of ["error", "hold.create", "hold.view", "order.view", "event.seatMap", "admin.eventCreate"]) {
      expect(doc.components.schemas[model]).toBeDefined();
    }
    const holdOperation = doc.paths["/api/events/{eventId}/holds"].post;
    expect(JSON.stringify(holdOperation.requestBody)).toContain("#/components/schemas/hold.create");
    expect(JSON.stringify(holdOperation.responses["409"])).toContain("#/components/schemas/error");
  });

  test("Spectral's spectral:oas rules find no error and no warning in /swagger/json", async () => {
    const r = await h.call("GET", "/swagger/json");
    expect(r.status).toBe(200);
    expect(await spectralProblems(r.body)).toEqual([]);
  }, 60_000);

  test("the document says what the origin does: JSON bodies only, integers as integers, which bodies are required, X-Origin-Auth on fan routes", async () => {
    const doc = (await h.call("GET", "/swagger/json")).body;
    const operations = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ at: `${method.toUpperCase()} ${path}`, op })));
    for (const { at, op } of operations) {
      expect({ at, description: typeof op.description === "string" && op.description.length > 0 }).toEqual({ at, description: true });
      if (op.requestBody) expect({ at, types: Object.keys(op.requestBody.content) }).toEqual({ at, types: ["application/json"] });
      for (const response of Object.values(op.responses as Record<string, any>)) {
        if (response.content) expect({ at, types: Object.keys(response.content) }).toEqual({ at, types: at === "GET /metrics" ? ["text/plain"] : at.endsWith("/report.csv") && response === op.responses["200"] ? ["text/csv"] : at.endsWith("/report") && response === op.responses["200"] ? ["application/json", "text/csv"] : ["application/json"] });
      }
      if (at.includes(" /api/")) expect({ at, security: op.security }).toEqual({ at, security: [{ originAuth: [], activeToken: [] }] });
    }
    const text = JSON.stringify(doc);
    expect(text).not.toContain('"$id"');
    expect(text).not.toContain('"format":"integer"');
    expect(doc.components.schemas["admin.stats"].properties.seats.properties.total).toEqual({ type: "integer" });
    expect(doc.paths["/api/events/{eventId}/holds/{holdId}/purchase"].post.requestBody.required).toBe(false);
    expect(doc.paths["/admin/capacity/measure"].post.requestBody.required).toBe(true);
    expect(doc.paths["/api/events/{eventId}/holds"].post.requestBody.required).toBe(true);
    expect(doc.components.securitySchemes.originAuth).toMatchObject({ type: "apiKey", in: "header", name: "X-Origin-Auth" });
    expect(doc.servers.length).toBeGreaterThan(0);
  });

  test("every error code the origin answers with is in errors.ts's table, and the document lists each with its status", async () => {
    const table = Object.keys(errorCodes).sort();
    // no code outside the table, and no code in it that nothing answers with
    expect([...(await codesInSource())].sort()).toEqual(table);

    const doc = (await h.call("GET", "/swagger/json")).body;
    const error = doc.components.schemas.error;
    expect([...error.properties.code.enum].sort()).toEqual(table);
    const errorAnswers = Object.values(doc.paths as Record<string, Record<string, any>>).flatMap((item) =>
      Object.values(item).flatMap((op) => Object.entries(op.responses as Record<string, any>).filter(([, r]) => JSON.stringify(r.content ?? {}).includes("#/components/schemas/error"))),
    );
    for (const [code, spec] of Object.entries(errorCodes)) {
      expect({ code, row: error.description.includes(`| ${code} | ${spec.status} |`) }).toEqual({ code, row: true });
      // some operation documents the code's status, and that answer names it
      const answers = errorAnswers.filter(([status]) => Number(status) === spec.status);
      expect({ code, documented: answers.length > 0 && answers.every(([, r]) => r.description.includes(code)) }).toEqual({ code, documented: true });
      if ("retryAfterSeconds" in spec) for (const [, r] of answers) expect(r.headers?.["Retry-After"]?.description).toContain(code);
    }
  });

  test("/swagger serves the documentation page", async () => {
    const r = await h.app.handle(new Request("http://origin.test/swagger"));
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toContain("text/html");
  });
});
