import { afterAll, beforeAll, expect, test } from "bun:test";
import { ORIGIN_ROUTES } from "../../edge/src/routes/api.ts";
import { Harness } from "./support/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await Harness.create("fan-routes");
});
afterAll(() => h.close());

/** `/api/events/:eventId/seats` -> `/api/events/x/seats`: a path the route would serve */
const samplePath = (path: string) => path.replace(/:[A-Za-z]+/g, "x");

test("the edge forwards every fan route of the origin, with its methods, and nothing else", () => {
  const fanRoutes = h.app.routes.filter((r) => r.path.startsWith("/api/")).map((r) => ({ method: r.method, path: r.path }));
  expect(fanRoutes.length).toBeGreaterThanOrEqual(8);
  const notForwarded = fanRoutes.filter(({ method, path }) => !ORIGIN_ROUTES.some(([pattern, methods]) => pattern.test(samplePath(path)) && methods.includes(method)));
  expect(notForwarded).toEqual([]);
  const unserved = ORIGIN_ROUTES.flatMap(([pattern, methods]) => methods.filter((m) => m !== "HEAD").map((m) => `${m} ${pattern}`).filter((route) => {
    const method = route.split(" ")[0]!;
    return !fanRoutes.some((r) => r.method === method && pattern.test(samplePath(r.path)));
  }));
  expect(unserved).toEqual([]);
});
