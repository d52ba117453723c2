import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { compileErrors, validate } from "@readme/openapi-parser";
import { Harness } from "./support/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await Harness.create("swagger");
});
afterAll(() => h.close());

const openApiPath = (path: string) => path.replace(/:([A-Za-z]+)/g, "{$1}");

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

  test("/swagger serves the documentation page", async () => {
    const r = await h.app.handle(new Request("http://origin.test/swagger"));
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toContain("text/html");
  });
});
