/** During an origin-auth rotation the edge holds `new,old` and sends only the first. */
import { expect, test } from "bun:test";
import type { Env } from "../src/env.ts";
import { upstreamHeaders } from "../src/proxy.ts";

const send = (secret: string | undefined) =>
  upstreamHeaders(new Request("https://edge.test/api/events/e/seats", { headers: { "x-origin-auth": "forged-by-client" } }), { ORIGIN_AUTH_SECRET: secret } as Env, "tok").get("x-origin-auth");

test("sends the first secret of a comma-separated list, never the client's own header", () => {
  expect(send("new-secret-0123456789, old-secret-0123456789")).toBe("new-secret-0123456789");
  expect(send("only-secret-0123456789")).toBe("only-secret-0123456789");
  expect(send(undefined)).toBeNull();
});
