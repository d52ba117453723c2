import { describe, expect, test } from "bun:test";
import { Elysia, t } from "elysia";
import { errorsPlugin } from "../src/plugins/errors.ts";

describe("error plugin", () => {
  test("an answer that does not match its own response schema is a 500 INTERNAL, not a 400 blamed on the caller", async () => {
    const app = new Elysia({ normalize: false })
      .use(errorsPlugin)
      .get("/wrong", () => ({ count: 1, internal: "leaked" }) as never, { response: { 200: t.Object({ count: t.Number() }) } })
      .get("/right", () => ({ count: 1 }), { response: { 200: t.Object({ count: t.Number() }) } })
      .get("/query", ({ query }) => ({ count: query.n }), { query: t.Object({ n: t.Numeric() }), response: { 200: t.Object({ count: t.Number() }) } });
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    try {
      const wrong = await app.handle(new Request("http://origin.test/wrong"));
      expect({ status: wrong.status, body: await wrong.json() }).toEqual({ status: 500, body: { code: "INTERNAL", message: expect.any(String) } });
      expect(errors).toHaveLength(1);
    } finally {
      console.error = original;
    }
    expect((await app.handle(new Request("http://origin.test/right"))).status).toBe(200);
    const bad = await app.handle(new Request("http://origin.test/query?n=x"));
    expect({ status: bad.status, code: ((await bad.json()) as { code: string }).code }).toEqual({ status: 400, code: "INVALID_REQUEST" });
  });
});
