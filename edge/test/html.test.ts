/**
 * html.ts: whatever the server hands a page's script through a data attribute comes back
 * as the same value when an HTML parser reads the page, and never becomes markup.
 */
import { describe, expect, test } from "bun:test";
import { renderPage } from "../src/html.ts";

/** Numeric character references, decoded as a browser does (HTMLRewriter gives attributes raw). */
const decode = (raw: string) => raw.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));

/** The page's <body> attributes as a browser's parser decodes them, and the elements it found. */
async function parse(html: string): Promise<{ body: Record<string, string>; elements: string[] }> {
  const body: Record<string, string> = {};
  const elements: string[] = [];
  await new HTMLRewriter()
    .on("*", { element: (el) => void elements.push(el.tagName) })
    .on("body", { element: (el) => void Object.assign(body, Object.fromEntries([...el.attributes].map(([name, value]) => [name, decode(value)]))) })
    .transform(new Response(html))
    .text();
  return { body, elements };
}

describe("renderPage", () => {
  test("text and JSON in data attributes read back unchanged, however hostile, and add no element", async () => {
    const hostile = `"></body><script>alert(1)</script><img src=x onerror=alert(2)> & ' \u2028`;
    const view = { name: hostile, nested: { list: [1, "</script>", null] } };
    const html = renderPage({ title: hostile, bodyClass: "fan", body: "<p>x</p>", data: { "event-id": hostile, "initial-view": view, absent: null } });
    const { body, elements } = await parse(html);
    expect(body["data-event-id"]).toBe(hostile);
    expect(JSON.parse(body["data-initial-view"]!)).toEqual(view);
    expect("data-absent" in body).toBe(false);
    expect(elements).not.toContain("script");
    expect(elements).not.toContain("img");
  });
});
